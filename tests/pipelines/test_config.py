"""The typed run configuration: skipping unreadable files is off unless asked for, and reaches the resource."""
from pipelines.config import RunConfig, config_from_env
from pipelines.defs.resources import resources_for


def test_skip_unreadable_files_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("ROSTERLINK_SKIP_UNREADABLE_FILES", raising=False)
    assert config_from_env().skip_unreadable_files is False
    monkeypatch.setenv("ROSTERLINK_SKIP_UNREADABLE_FILES", "1")
    assert config_from_env().skip_unreadable_files is True


def test_skip_unreadable_files_reaches_the_input_folder_resource(tmp_path):
    config = RunConfig(input_dir=tmp_path, output_dir=tmp_path / "out", skip_unreadable_files=True)
    assert resources_for(config)["input_folder"].skip_unreadable_files is True
    assert resources_for(RunConfig(input_dir=tmp_path, output_dir=tmp_path))["input_folder"].skip_unreadable_files is False
