"""Dockerfile and compose.yaml stay in step with the tested scripts (no Docker engine runs here): the image is
built by scripts/lib.sh's own functions, every container runs a command that scripts/start runs, only the
website server is published, and every variable the containers get is one Wegwijzer reads."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from wegwijzer.cli.servers import rasa_process_specs
from wegwijzer.settings import PROJECT_ROOT

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
LIB = (PROJECT_ROOT / "scripts" / "lib.sh").read_text(encoding="utf-8")
START = (PROJECT_ROOT / "scripts" / "start").read_text(encoding="utf-8")
COMPOSE_TEXT = (PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
WEGWIJZER_SERVICES = {"setup", "actions", "rasa-1", "rasa-2", "web", "outbox", "telegram"}
# where a container must listen to be reached from the others (scripts/start: 127.0.0.1)
CONTAINER_ONLY = {"--interface": "0.0.0.0", "--action-url": "http://actions:5055/webhook"}


def dockerfile_instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [tuple(line.split(None, 1)) for line in joined.splitlines() if line.strip() and not line.startswith("#")]


def test_the_image_is_python_3_10_built_by_the_scripts_own_functions_as_a_user_without_privileges():
    instructions = dockerfile_instructions()
    (base,) = [arg for op, arg in instructions if op == "FROM"]
    assert base.startswith("python:3.10")
    runs = [arg for op, arg in instructions if op == "RUN"]
    users = [(i, arg) for i, (op, arg) in enumerate(instructions) if op == "USER"]
    assert users and users[-1][1] not in ("root", "0"), "the processes run without privileges"
    first_build = next(i for i, (op, arg) in enumerate(instructions) if op == "RUN" and "lib.sh" in arg)
    assert users[0][0] < first_build, "even the build steps run as that user"
    called = {name for run in runs if "source scripts/lib.sh" in run for name in re.findall(r"&& (?:cd \S+ && )?(\w+)'", run)}
    assert called == {"ensure_venv", "train_model"}, "the install and the training are the scripts' own"
    for name in called:
        assert re.search(rf"^{name}\(\) {{", LIB, re.M), f"{name} is a function of scripts/lib.sh"
        assert re.search(rf"^{name}$", START, re.M), f"scripts/start runs {name} too"
    assert not any("pip" in run for run in runs), "no install step of the image's own"
    dockerignore = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "models", "var"} <= set(dockerignore), "the model is trained at build time, not copied"


def started_commands() -> list[list[str]]:
    """The commands scripts/start (and lib.sh's prepare_data) runs, as words."""
    commands = [shlex.split(command) for command in re.findall(r'--process "\w+ \S+ ([^"]+)"', START)]
    commands += [words for spec in rasa_process_specs([5005], Path("var/endpoints.yml"))
                 for words in [shlex.split(spec)[2:]]]
    commands += [shlex.split(line.strip()) for line in re.findall(r"^\s*(wegwijzer [^>\n]+?)\s*(?:>|$)", START + LIB, re.M)]
    return [[w.replace("${ACTIONS_PORT}", "5055") for w in c] for c in commands]


def container_commands(service: dict) -> list[list[str]]:
    command = service["command"]
    if command[:2] == ["sh", "-c"]:
        return [shlex.split(part.strip().removeprefix("exec ")) for part in command[2].split("&&")]
    return [command]


def as_started(words: list[str]) -> list[str]:
    """A container's command with the container-only values put back to scripts/start's."""
    out = list(words)
    for option, value in CONTAINER_ONLY.items():
        if option in out and out[out.index(option) + 1] == value:
            out[out.index(option) + 1] = {"--interface": "127.0.0.1",
                                          "--action-url": "http://127.0.0.1:5055/webhook"}[option]
    return out


def test_every_container_runs_a_command_that_scripts_start_runs():
    services = COMPOSE["services"]
    assert set(services) == WEGWIJZER_SERVICES | {"postgres", "redis"}
    started = started_commands()
    for name in WEGWIJZER_SERVICES:
        for words in container_commands(services[name]):
            assert as_started(words) in started, f"{name}: {words} is not what scripts/start runs"


def test_only_the_website_server_is_published_and_only_on_loopback():
    published = {name: s["ports"] for name, s in COMPOSE["services"].items() if s.get("ports")}
    assert published == {"web": ["127.0.0.1:8000:8000"]}
    assert all("expose" not in s for s in COMPOSE["services"].values())


def test_the_replicas_share_postgresql_and_redis_and_the_clients_know_every_replica():
    services = COMPOSE["services"]
    env = services["web"]["environment"]
    rasa = sorted(name for name in services if name.startswith("rasa-"))
    assert env["RASA_URLS"].split(",") == [f"http://{name}:5005" for name in rasa] and len(rasa) == 2
    for name in rasa + ["actions", "outbox", "telegram"]:
        environment = services[name]["environment"]
        assert environment["TRACKER_DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in environment["TRACKER_DATABASE_URL"]
        assert environment["LOCK_STORE_URL"] == "redis://redis:6379/0"
        assert environment["ACTIONS_TOKEN"].startswith("${ACTIONS_TOKEN:?"), "one token, required, from outside"
    assert services["telegram"]["restart"] == "on-failure", "without a token it exits 0 and stays off"


def test_every_variable_the_containers_get_is_read_by_wegwijzer():
    settings = (PROJECT_ROOT / "wegwijzer" / "settings.py").read_text(encoding="utf-8")
    rasa_own = {"RASA_TELEMETRY_ENABLED"}
    for name, service in COMPOSE["services"].items():
        if name in ("postgres", "redis"):
            continue
        for variable in service["environment"]:
            assert variable in rasa_own or f'"{variable}"' in settings, f"{name}: {variable} is read nowhere"


def test_docker_compose_accepts_the_file_when_it_is_installed(tmp_path):
    """Client-only: `docker compose config` parses and resolves the file without an engine."""
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("the docker compose plugin is not installed here; the other tests read the YAML themselves")
    env = {"POSTGRES_PASSWORD": "p", "ACTIONS_TOKEN": "t", "WEGWIJZER_LINK_SECRET": "s",
           "WEGWIJZER_PUBLIC_URL": "https://wegwijzer.example", "PATH": "/usr/bin:/bin:/usr/local/bin"}
    result = subprocess.run([docker, "compose", "-f", str(PROJECT_ROOT / "compose.yaml"), "config", "--quiet"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
