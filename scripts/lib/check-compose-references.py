"""Checks what the Compose JSON schema cannot see in a compose file: references.

    python3 scripts/lib/check-compose-references.py docker/compose.yaml

- every service named in `depends_on` (list or map form) and in `extends` exists;
- every named volume a service mounts is declared under top-level `volumes`;
- every network a service joins is declared under top-level `networks` (or is `default`);
- every bind-mounted host path and every `env_file` exists, relative to the compose file's
  folder (an env file may exist as NAME.example, the copy a user fills in);
- every `${VAR:?message}` variable is documented in an env-file example next to it.

Exits 1 with one line per problem. Reads YAML with ruamel.yaml (installed with check-jsonschema).
"""

import os
import re
import sys

from ruamel.yaml import YAML


def main(path: str) -> int:
    folder = os.path.dirname(os.path.abspath(path))
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    compose = YAML(typ="safe").load(text)
    services = compose.get("services") or {}
    volumes = set((compose.get("volumes") or {}).keys())
    networks = set((compose.get("networks") or {}).keys()) | {"default"}
    problems = []

    def exists_here(relative: str, example_ok: bool = False) -> bool:
        full = os.path.normpath(os.path.join(folder, relative))
        return os.path.exists(full) or (example_ok and os.path.exists(full + ".example"))

    for name, service in services.items():
        service = service or {}
        depends = service.get("depends_on") or []
        for target in depends if isinstance(depends, list) else depends.keys():
            if target not in services:
                problems.append(f"{name}: depends_on names an unknown service '{target}'")
        extends = service.get("extends")
        if isinstance(extends, dict) and "file" not in extends and extends.get("service") not in services:
            problems.append(f"{name}: extends an unknown service '{extends.get('service')}'")
        for mount in service.get("volumes") or []:
            if isinstance(mount, str):
                source = mount.split(":", 1)[0] if ":" in mount else None
                kind = "bind" if source and (source.startswith((".", "/", "~"))) else "volume"
            else:
                source, kind = mount.get("source"), mount.get("type", "volume")
            if not source:
                continue
            if kind == "volume" and source not in volumes:
                problems.append(f"{name}: mounts the undeclared volume '{source}'")
            if kind == "bind" and not source.startswith(("/", "~")) and not exists_here(source):
                problems.append(f"{name}: bind-mounts '{source}', which does not exist next to {path}")
        joined = service.get("networks") or []
        for network in joined if isinstance(joined, list) else joined.keys():
            if network not in networks:
                problems.append(f"{name}: joins the undeclared network '{network}'")
        env_files = service.get("env_file") or []
        for entry in [env_files] if isinstance(env_files, (str, dict)) else env_files:
            env_path = entry if isinstance(entry, str) else entry.get("path")
            if env_path and not exists_here(env_path, example_ok=True):
                problems.append(f"{name}: env_file '{env_path}' (or '{env_path}.example') does not exist")

    documented = set()
    for entry in os.listdir(folder):
        if entry.endswith(".example"):
            with open(os.path.join(folder, entry), encoding="utf-8") as handle:
                documented |= set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", handle.read(), re.M))
    for variable in sorted(set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):\?", text))):
        if variable not in documented:
            problems.append(f"required variable {variable} is in no *.example file next to {path}")

    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
