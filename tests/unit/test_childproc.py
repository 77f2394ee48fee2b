"""keyvault.childproc: no child keyvault starts sees keyvault's secrets.

The children here are real processes that print the environment they were given.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

import pytest

from keyvault import childproc

#: Secrets of every kind keyvault's children must not see (also the alert hook's test).
SECRETS = {
    "KEYVAULT_PASSPHRASE": "correct horse battery staple",
    "B2_APPLICATION_KEY": "K005secretsecretsecret",
    "B2_APPLICATION_KEY_ID": "005keyid",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "GITHUB_TOKEN": "ghp_token",
    "MY_APP_PASSWORD": "pw",
    "SOME_API_KEY": "apikey",
}
HARMLESS = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/home/u",
    "KEYVAULT_HOME": "/home/u/.config/keyvault",
    "SSH_AUTH_SOCK": "/run/user/1000/ssh",
    "LANG": "C.UTF-8",
}
PRINT_ENV = [sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]
ROOT = Path(__file__).resolve().parents[2]


def test_scrub_environment_removes_every_secret() -> None:
    assert childproc.scrub_environment({**SECRETS, **HARMLESS}) == HARMLESS
    # The filter covers every secret name keyvault reads from the environment.
    from keyvault_cli import secrets_input

    from keyvault.destinations.b2 import credentials as b2_credentials

    read_names = {secrets_input.ENV_PASSPHRASE, b2_credentials.ENV_KEY_ID, b2_credentials.ENV_KEY}
    assert read_names <= childproc.SECRET_ENV_NAMES
    assert childproc.scrub_environment({name: "x" for name in read_names}) == {}


def test_a_child_never_sees_the_secrets_of_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KEYVAULT_HOME", "/somewhere")
    result = childproc.run(PRINT_ENV, timeout=30, extra_env={"KEYVAULT_NOTE": "added"})
    seen = json.loads(result.stdout)
    assert not set(SECRETS) & set(seen)
    assert not any(value in result.stdout.decode() for value in SECRETS.values())
    assert (seen["KEYVAULT_HOME"], seen["KEYVAULT_NOTE"]) == ("/somewhere", "added")
    started = childproc.start(
        [*PRINT_ENV[:2], "import sys, os; sys.exit(len(os.environ.get('KEYVAULT_PASSPHRASE', '')))"]
    )
    started.communicate(timeout=30)
    assert started.returncode == 0


def test_only_keyvault_itself_is_handed_its_own_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    result = childproc.run(PRINT_ENV, timeout=30, keep=childproc.SECRET_ENV_NAMES)
    seen = json.loads(result.stdout)
    assert {name: seen[name] for name in childproc.SECRET_ENV_NAMES} == {
        name: SECRETS[name] for name in childproc.SECRET_ENV_NAMES
    }
    assert "GITHUB_TOKEN" not in seen  # keep names what passes, nothing else


def test_a_child_that_never_ends_is_stopped() -> None:
    import subprocess

    with pytest.raises(subprocess.TimeoutExpired):
        childproc.run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)


_SPAWNERS = {"run", "Popen", "call", "check_call", "check_output", "getoutput", "getstatusoutput"}
_OS_SPAWNERS = {"system", "popen", "execv", "execve", "execvp", "execvpe", "spawnv", "posix_spawn"}


def test_every_child_process_in_keyvault_goes_through_childproc() -> None:
    """No module but keyvault/childproc.py calls subprocess or os to start a process."""
    offenders: list[str] = []
    for package in ("keyvault", "cli", "gui"):
        for source in sorted((ROOT / package).rglob("*.py")):
            if source == ROOT / "keyvault" / "childproc.py":
                continue
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                called = node.func
                if not (isinstance(called, ast.Attribute) and isinstance(called.value, ast.Name)):
                    continue
                module, name = called.value.id, called.attr
                if (module == "subprocess" and name in _SPAWNERS) or (
                    module == "os" and name in _OS_SPAWNERS
                ):
                    offenders.append(f"{source.relative_to(ROOT)}:{node.lineno} {module}.{name}")
    assert offenders == []
