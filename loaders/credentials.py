"""Portal credentials: from an environment variable or a secret file named in portal.yml,
never from the command line or the mapping itself."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from portalize.core.errors import MappingError


def secret(config: dict, what: str = "password") -> str:
    """The secret named by `<what>_env` or `<what>_file` in the portal config."""
    where = "mappings/portal.yml:portal"
    if config.get(what):
        raise MappingError([f"{where}.{what}: a secret is never written in the mapping; name an environment "
                            f"variable ({what}_env) or a file readable only by you ({what}_file)"])
    env, file = config.get(f"{what}_env"), config.get(f"{what}_file")
    if env:
        value = os.environ.get(env)
        if not value:
            raise MappingError([f"{where}.{what}_env: the environment variable {env} is not set"])
        return value.strip()
    if file:
        path = Path(os.path.expanduser(file))
        if not path.is_file():
            raise MappingError([f"{where}.{what}_file: {path} does not exist"])
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise MappingError([f"{where}.{what}_file: {path} can be read by others; `chmod 600 {path}`"])
        return path.read_text(encoding="utf-8").strip()
    raise MappingError([f"{where}: name the {what} with {what}_env (an environment variable) or {what}_file"])
