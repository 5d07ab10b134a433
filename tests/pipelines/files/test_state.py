"""pipelines.files.state: the output folder's private state."""
import stat

from pipelines.files.state import secret_key, state_dir


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_folder_and_secret_are_owner_only(tmp_path):
    output = tmp_path / "out"
    folder = state_dir(output)
    key = secret_key(output)
    assert _mode(output) == 0o700 and _mode(folder) == 0o700
    assert _mode(folder / "secret.key") == 0o600
    assert len(key) == 32


def test_secret_is_made_once_and_differs_between_folders(tmp_path):
    first = secret_key(tmp_path / "a")
    assert secret_key(tmp_path / "a") == first
    assert secret_key(tmp_path / "b") != first
    assert [p.name for p in (tmp_path / "a" / ".rosterlink").iterdir()] == ["secret.key"]
