#!/usr/bin/env python3
"""check_arch.py - fail when the code breaks the architecture's rules.

The layer order is written here, once (docs/architecture.md shows it):
a file under src/X/ may include headers of its own folder and of folders
on a lower level, never of a higher one, nor of another folder on its own
level. Below src/cli/ nothing prints or exits. Prints one line per
violation and exits 1 when there is any.
"""
import pathlib
import re
import sys

# level: folders. Lower levels never look up.
LAYERS = {
    1: ["common"],
    2: ["chip"],
    3: ["image", "fs", "port"],
    4: ["plan", "loader", "mpy"],
    5: ["device", "boot", "sim"],
    6: ["api"],
    7: ["cli"],
}
LEVEL = {folder: level for level, folders in LAYERS.items() for folder in folders}

# Below the CLI: no output to the terminal and no leaving the process
# (`_exit` stays allowed: it is how a forked child ends when exec fails).
FORBIDDEN = re.compile(
    r"\b(printf|vprintf|puts|putchar|perror|exit|abort|_Exit|quick_exit)\s*\("
    r"|\b(v?fprintf|fputs|fputc|fwrite)\s*\([^;]*\b(stdout|stderr)\b")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"')


def strip_comments_and_strings(text):
    """Blank out comments and string/char literals, keeping line breaks."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check(root):
    problems = []
    src = root / "src"
    for path in sorted(src.rglob("*.[ch]")):
        folder = path.relative_to(src).parts[0]
        rel = path.relative_to(root)
        if folder not in LEVEL:
            problems.append(f"{rel}: folder src/{folder}/ has no layer; add it to LAYERS in scripts/check_arch.py")
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for no, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(line)
            if not m or m.group(1) == folder:
                continue
            other = m.group(1)
            if other not in LEVEL:
                problems.append(f"{rel}:{no}: includes src/{other}/, a folder with no layer")
            elif LEVEL[other] > LEVEL[folder]:
                problems.append(f"{rel}:{no}: src/{folder}/ (level {LEVEL[folder]}) includes src/{other}/ "
                                f"(level {LEVEL[other]}): lower layers never look up")
            elif LEVEL[other] == LEVEL[folder]:
                problems.append(f"{rel}:{no}: src/{folder}/ includes src/{other}/ on the same level "
                                f"({LEVEL[folder]}): move what both need one level down")
        if folder == "cli":
            continue
        code = strip_comments_and_strings(text)
        for no, line in enumerate(code.splitlines(), 1):
            m = FORBIDDEN.search(line)
            if m:
                problems.append(f"{rel}:{no}: `{m.group(0).strip()}` below src/cli/: only the CLI prints "
                                f"or exits; return an eb_err or report through a callback")
    return problems


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[1])
    problems = check(root)
    for p in problems:
        print(p)
    print(f"check_arch: {len(problems)} problem(s)" if problems else "check_arch: layers and output rules hold")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
