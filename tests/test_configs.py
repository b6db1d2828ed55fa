"""The files in configs/ stay valid: accelerate accepts each launch config as `accelerate launch`
would read it, the commands in their header comments parse (so the docs cannot rot), and
train_default.yaml is exactly the default TrainConfig."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from supportrm.cli import main
from supportrm.cli.train import train
from supportrm.config import resolve_config
from supportrm.train.config import TrainConfig

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
# What each launch config's name promises (accelerate's DistributedType value) and the launcher
# flag `accelerate launch` derives from it.
ACCELERATE = {
    "accelerate_ddp.yaml": ("MULTI_GPU", "multi_gpu"),
    "accelerate_fsdp.yaml": ("FSDP", "use_fsdp"),
    "deepspeed_zero2.yaml": ("DEEPSPEED", "use_deepspeed"),
    "deepspeed_zero3.yaml": ("DEEPSPEED", "use_deepspeed"),
}
TRAIN_YAMLS = [
    "train_default.yaml",
    "quality.yaml",
    "gpu-small.yaml",
    "gpu-8b-lora.yaml",
    "gpu-8b-qlora.yaml",
]
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9_-]*")


def _comment_lines(path: Path) -> list[str]:
    return [
        line.lstrip("#")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]


def _commands(path: Path) -> tuple[list[list[str]], str]:
    """Shell commands in the header comment (lines starting with `accelerate launch` or
    `supportrm`, `\\` continuations joined) as argv lists, and the remaining prose."""
    commands: list[list[str]] = []
    prose: list[str] = []
    pending = ""
    for raw in _comment_lines(path):
        line = raw.strip()
        if pending or line.startswith(("accelerate launch ", "supportrm ")):
            pending += " " + line.removesuffix("\\")
            if not line.endswith("\\"):
                commands.append(shlex.split(pending))
                pending = ""
        else:
            prose.append(line)
    assert not pending, f"{path.name}: a command's last line ends with a backslash"
    return commands, "\n".join(prose)


def _train_option_names() -> set[str]:
    return {opt for p in train.params for opt in (*p.opts, *p.secondary_opts)}


def _check_train_args(path: Path, args: list[str]) -> None:
    """The documented `supportrm train` arguments resolve into a TrainConfig (run from the repo
    root, as the comments' relative paths assume); `...` marks "more options" and is dropped."""
    args = [a for a in args if a != "..."]
    unknown = [a for a in args if a.startswith("--") and a not in _train_option_names()]
    assert not unknown, f"{path.name}: not options of `supportrm train`: {unknown}"
    result = CliRunner().invoke(main, ["train", *args, "--print-config"])
    assert result.exit_code == 0, (
        f"{path.name}: `supportrm train {' '.join(args)}`:\n{result.output}"
    )


def test_every_yaml_in_configs_is_checked() -> None:
    names = sorted(p.name for p in CONFIGS.glob("*.y*ml"))
    assert names == sorted([*ACCELERATE, *TRAIN_YAMLS])


@pytest.mark.parametrize("name", sorted(ACCELERATE))
def test_accelerate_config_loads_as_accelerate_launch_reads_it(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accelerate.commands.config.config_args import load_config_from_file
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser

    path = CONFIGS / name
    expected_type, launcher_flag = ACCELERATE[name]
    cfg = load_config_from_file(str(path))  # raises on unknown top-level keys
    assert cfg.distributed_type.value == expected_type
    assert cfg.num_machines == 1 and cfg.num_processes >= 2

    # Nested keys (fsdp_config, deepspeed_config) are copied onto the launcher's arguments
    # without any check; a misspelt one would be silently ignored, so each must be a real option.
    parser = launch_command_parser()
    options = {action.dest for action in parser._actions}
    for section in ("fsdp_config", "deepspeed_config"):
        for key in getattr(cfg, section) or {}:
            dest = key if section != "fsdp_config" or key.startswith("fsdp") else f"fsdp_{key}"
            assert dest in options, f"{name}: {section}.{key} is not an accelerate launch option"

    # What `accelerate launch --config_file FILE script` does first (no GPU needed).
    monkeypatch.chdir(REPO)
    args, _defaults, _ = _validate_launch_command(
        parser.parse_args(["--config_file", f"configs/{name}", "script.py"])
    )
    chosen = {f for f in ("multi_gpu", "use_fsdp", "use_deepspeed") if getattr(args, f)}
    assert chosen == {launcher_flag}
    assert args.num_processes == cfg.num_processes


def test_fsdp_and_deepspeed_settings_reach_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment accelerate's launcher hands the training processes (what the Accelerator
    in supportrm reads): FSDP version 2 full shard; ZeRO stage 2 without offload."""
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    monkeypatch.chdir(REPO)
    parser = launch_command_parser()

    def launch_args(name: str) -> Any:
        args, defaults, _ = _validate_launch_command(
            parser.parse_args(["--config_file", f"configs/{name}", "script.py"])
        )
        return args, defaults

    args, _ = launch_args("accelerate_fsdp.yaml")
    env = prepare_multi_gpu_env(args)
    assert env["ACCELERATE_USE_FSDP"] == "true"
    assert env["FSDP_VERSION"] == "2"
    assert env["FSDP_RESHARD_AFTER_FORWARD"] == "true"  # FSDP2's form of full shard
    assert env["FSDP_AUTO_WRAP_POLICY"] == "TRANSFORMER_BASED_WRAP"
    assert env["FSDP_OFFLOAD_PARAMS"] == "false"

    args, defaults = launch_args("deepspeed_zero2.yaml")
    # set by `accelerate launch` itself just before this call
    args.deepspeed_fields_from_accelerate_config = list(defaults.deepspeed_config)
    _cmd, env = prepare_deepspeed_cmd_env(args)
    assert env["ACCELERATE_USE_DEEPSPEED"] == "true"
    assert env["ACCELERATE_DEEPSPEED_ZERO_STAGE"] == "2"
    assert env["ACCELERATE_DEEPSPEED_OFFLOAD_OPTIMIZER_DEVICE"] == "none"
    # DeepSpeed clips instead of --max-grad-norm (the header says so): same default
    assert (
        defaults.deepspeed_config["gradient_clipping"]
        == TrainConfig.model_validate({}).max_grad_norm
    )


@pytest.mark.parametrize("name", sorted(ACCELERATE))
def test_launch_commands_in_comments_are_real(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from accelerate.commands.launch import launch_command_parser

    monkeypatch.chdir(REPO)
    path = CONFIGS / name
    commands, prose = _commands(path)
    launches = [c for c in commands if c[:2] == ["accelerate", "launch"]]
    assert launches, f"{name}: no `accelerate launch` example in the header"
    for argv in launches:
        # accelerate launch [launcher options] "$(which supportrm)" train [train options]
        script = argv.index("$(which supportrm)")
        assert argv[script + 1] == "train", argv
        launcher = argv[2:script]
        parsed = launch_command_parser().parse_args([*launcher, "script.py"])  # exits if unknown
        assert parsed.config_file == f"configs/{name}", "the example must launch this very file"
        _check_train_args(path, argv[script + 2 :])
    # Flags named in the prose are `supportrm train` options too.
    unknown = sorted(set(FLAG.findall(prose)) - _train_option_names())
    assert not unknown, f"{name}: the header names options `supportrm train` lacks: {unknown}"
    # Files the header points to exist.
    for ref in re.findall(r"\b(?:tests|configs|src|bench|docs)/[\w./-]+\.\w+", prose):
        assert (REPO / ref).exists(), f"{name}: the header refers to missing {ref}"


def test_train_default_is_the_default_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    path = CONFIGS / "train_default.yaml"
    assert resolve_config(TrainConfig, path, {}) == TrainConfig.model_validate({})
    # The file is `supportrm train --print-config` verbatim (after its comment header).
    result = CliRunner().invoke(main, ["train", "--print-config"])
    assert result.exit_code == 0, result.output
    body = "".join(
        line
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith("#")
    )
    assert body == result.output, "regenerate: supportrm train --print-config"
    # Its usage example parses, and the file's values apply under the flags given with it.
    commands, prose = _commands(path)
    assert commands and all(c[:2] == ["supportrm", "train"] for c in commands)
    for argv in commands:
        _check_train_args(path, argv[2:])
    assert "--config" in commands[0]
    assert not set(FLAG.findall(prose)) - _train_option_names()


def test_quality_preset_resolves_and_is_what_benchmarks_md_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    cfg = resolve_config(TrainConfig, CONFIGS / "quality.yaml", {})
    assert (cfg.freeze_layers, cfg.epochs, cfg.lr) == (3, 1, 3e-4)
    assert cfg != TrainConfig.model_validate({})
    assert "configs/quality.yaml" in (REPO / "docs" / "benchmarks.md").read_text()


@pytest.mark.parametrize("name", ["gpu-small.yaml", "gpu-8b-lora.yaml"])
def test_gpu_preset_usage_lines_parse(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: each GPU preset's usage line is a real `supportrm train` command with it."""
    monkeypatch.chdir(REPO)
    commands, prose = _commands(CONFIGS / name)
    assert commands and all(c[:2] == ["supportrm", "train"] for c in commands)
    assert f"configs/{name}" in commands[0]
    assert not set(FLAG.findall(prose)) - _train_option_names()
