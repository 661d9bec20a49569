"""The systemd user unit ships with the package, runs the daemon and stops it with SIGTERM."""

from __future__ import annotations

import configparser
from importlib import resources


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(resources.files("rapport").joinpath("rapport.service").read_text(encoding="utf-8"))
    return parser


def test_the_unit_runs_the_daemon_and_stops_it_cleanly() -> None:
    service = unit()["Service"]

    assert service["ExecStart"].endswith("rapport run")
    assert service["KillSignal"] == "SIGTERM"
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"


def test_the_unit_is_installed_for_the_user_session() -> None:
    assert unit()["Install"]["WantedBy"] == "default.target"


def test_the_unit_asks_for_no_sandboxing_a_user_manager_may_be_unable_to_set_up() -> None:
    service = unit()["Service"]

    needs_namespaces = ("PrivateTmp", "PrivateDevices", "ProtectSystem", "ProtectHome", "PrivateUsers")
    assert [key for key in needs_namespaces if key in service] == []
    assert service["NoNewPrivileges"] == "yes"  # a plain prctl: fine in a user unit
