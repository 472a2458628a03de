"""Prints what docker/Dockerfile's runtime (last) stage is made of, for scripts/docker-check.

    python3 scripts/lib/dockerfile-runtime.py docker/Dockerfile
    bookworm                                   <- Debian suite of the runtime base image
    libpq5 libargon2-1 libssl3 ...             <- the packages its `apt-get install` names
    10001:10001                                <- its USER

Reads ARG defaults (`ARG RUNTIME_IMAGE=debian:bookworm-slim`) to resolve `FROM ${RUNTIME_IMAGE}`.
Fails when the runtime stage is not a Debian image or installs nothing with apt-get.
"""

import re
import shlex
import sys


def instructions(text: str):
    """(keyword, arguments) per instruction, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment line inside a continuation
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    for entry in logical:
        keyword, _, arguments = entry.partition(" ")
        yield keyword.upper(), arguments.strip()


def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        steps = list(instructions(handle.read()))
    args = {}
    stages = []
    for keyword, arguments in steps:
        if keyword == "ARG" and not stages:
            name, _, default = arguments.partition("=")
            args[name] = default
        elif keyword == "FROM":
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), ""), arguments.split()[0])
            stages.append({"image": image, "packages": [], "user": "root"})
        elif stages and keyword == "RUN":
            for command in re.split(r"&&|;|\|\|", arguments):
                if "install" not in command:
                    continue
                words = shlex.split(command)
                if len(words) >= 2 and words[0] in ("apt-get", "apt") and "install" in words:
                    stages[-1]["packages"] += [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
        elif stages and keyword == "USER":
            stages[-1]["user"] = arguments
    if not stages:
        print(f"{path}: no FROM", file=sys.stderr)
        return 1
    runtime = stages[-1]
    match = re.fullmatch(r"(?:docker\.io/)?(?:library/)?debian:([a-z]+)(?:-slim)?(?:@.*)?", runtime["image"])
    if not match:
        print(f"{path}: the runtime stage is {runtime['image']!r}, not a Debian image", file=sys.stderr)
        return 1
    if not runtime["packages"]:
        print(f"{path}: the runtime stage installs no packages with apt-get", file=sys.stderr)
        return 1
    print(match.group(1))
    print(" ".join(runtime["packages"]))
    print(runtime["user"])
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
