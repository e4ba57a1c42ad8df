from __future__ import annotations

import pytest

from clarion.stack import _java
from clarion.stack._java import find_java, java_major, java_problem, parse_jvm_options
from clarion.stack.exceptions import JavaNotFoundError


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_392"', 8),
        ("no version here", None),
    ],
)
def test_java_major(output: str, major: int | None) -> None:
    assert java_major(output) == major


def test_java_problem_names_what_to_install() -> None:
    assert java_problem("kafka", 17, supported=(17, 21)) is None
    message = java_problem("cassandra", 8, supported=(11, 17))
    assert message is not None
    assert message.startswith("cassandra: needs Java 11 or 17, found Java 8")
    assert "openjdk-17-jdk-headless" in message


def test_no_java_on_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_java.shutil, "which", lambda _name: None)
    with pytest.raises(JavaNotFoundError, match=r"kafka: no `java` on the PATH.*apt-get install"):
        find_java("kafka", supported=(17,))


def test_parse_jvm_options() -> None:
    text = "# comment\n-Xmx1G\n\n  --add-opens=java.base/java.lang=ALL-UNNAMED  # why\n"
    assert parse_jvm_options(text) == ["-Xmx1G", "--add-opens=java.base/java.lang=ALL-UNNAMED"]
