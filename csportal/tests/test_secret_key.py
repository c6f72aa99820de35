"""The key file `make run` signs with when no SECRET_KEY is set."""

import threading

import pytest

from csportal.secret_key import read_or_create


def test_a_missing_key_file_is_made_with_a_random_key_only_its_owner_reads(tmp_path):
    path = tmp_path / "secret_key"

    key = read_or_create(path)

    assert len(key) >= 50
    assert path.read_text() == key + "\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_or_create(tmp_path / "another") != key


def test_an_existing_key_file_is_read_and_never_replaced(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("kept-from-the-first-run\n")

    assert read_or_create(path) == "kept-from-the-first-run"
    assert path.read_text() == "kept-from-the-first-run\n"


def test_processes_starting_together_all_get_the_one_key(tmp_path):
    path = tmp_path / "secret_key"
    keys = []
    threads = [threading.Thread(target=lambda: keys.append(read_or_create(path))) for _ in range(8)]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(keys)) == 1
    assert list(tmp_path.iterdir()) == [path]


def test_an_empty_key_file_is_refused_rather_than_signing_with_nothing(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("\n")

    with pytest.raises(ValueError, match="holds no key"):
        read_or_create(path)
