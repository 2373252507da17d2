#!/usr/bin/env bash
# deps.sh - install everything espburn needs to build and test, on Debian or
# Ubuntu: compilers, the libraries it links (cJSON, libdeflate, zlib, nettle, libinih,
# libserialport), cmocka and pytest for tests, dosfstools and mtools (they
# check the FAT images espburn builds), groff, man, zsh and fish (they check the
# generated manual page and completions), and Node packages that act as
# independent clients (esptool-js, js-fatfs) and as the virtual board's MicroPython.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

PACKAGES="build-essential cmake pkg-config clang clang-format libclang-rt-dev \
  libcjson-dev libcurl4-openssl-dev libdeflate-dev libinih-dev zlib1g-dev nettle-dev libserialport-dev \
  libcmocka-dev python3 python3-pytest python3-pyte python3-jsonschema dosfstools mtools groff-base man-db zsh fish"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
command -v node >/dev/null || missing="$missing nodejs"
command -v npm >/dev/null || missing="$missing npm"
if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

if [ ! -d node_modules/esptool-js ] || [ ! -d node_modules/esptool-js-0.7 ] \
  || [ ! -d node_modules/@micropython/micropython-webassembly-pyscript ] || [ ! -d node_modules/js-fatfs ]; then
  echo "deps: installing Node packages (esptool-js 0.5.7 and 0.7.0, MicroPython WebAssembly, js-fatfs)"
  npm ci --no-audit --no-fund --loglevel=error
fi
