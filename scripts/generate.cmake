# generate.cmake - run by the build (cmake -DBIN=... -DOUT=... -P): the
# built espburn writes its shell completions and manual page from its
# option and command tables. No configuration file is read: a user's
# ~/.config/espburn/config.ini cannot change or break what is generated.
cmake_minimum_required(VERSION 3.16)
set(ENV{XDG_CONFIG_HOME} ${OUT}/no-config)
set(ENV{HOME} ${OUT}/no-config)
file(MAKE_DIRECTORY ${OUT})

function(generate file)
  execute_process(COMMAND ${BIN} ${ARGN} OUTPUT_FILE ${OUT}/${file}.new RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "espburn ${ARGN} failed (${rc})")
  endif()
  file(RENAME ${OUT}/${file}.new ${OUT}/${file})
endfunction()

generate(espburn.bash completion bash)
generate(_espburn completion zsh)
generate(espburn.fish completion fish)
generate(espburn.1 man)
