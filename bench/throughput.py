"""Embedding throughput of relvec against two baselines measured in the same run.

    python bench/throughput.py            # needs $RELVEC_DATA (or --data-dir)
    python bench/throughput.py --model relvec-mpnet --no-compile   # a shipped model, its own prompt

2,000 distinct pairs from the analogy test files, the embedded default encoder, template d,
average_no_mask, 2 torch threads. Baselines:

1. the reference implementation's way: every prompt padded to 64 tokens, fixed batches of 64 in input
   order (no length sorting);
2. the machine's limit: forward FLOPs per pair (from the encoder's configuration and the real token
   counts) divided by the fp32 matrix-multiply rate torch reaches here, measured now.

Paths: relvec fp32 as loaded by default, fp32 with ``compile=True`` (``--compile``), the bf16 fast path
with and without compile, and two int8 backends behind the encoder's
backend seam: relvec's own (``precision="int8"``: per-channel int8 weights, per-token int8 activations,
``torch._int_mm``) and ONNX Runtime's (the model exported to ONNX and quantized with
``onnxruntime.quantization.quantize_dynamic``: one activation scale per batch; measured when onnxruntime is
installed).
On a CPU without fast bfloat16 (no AMX, no AVX-512 BF16) bf16 is emulated and slow: it runs in the first
repeat only and its compiled variant is skipped, to keep the run bounded.

The last lines are for tools, each alone on a line: ``int8_speedup_vs_fp32: X`` (the faster int8 backend
against the fastest exact fp32 path), ``ratio_vs_padded: N.NN`` and ``fraction_of_fp32_limit: 0.NN``, for
the fastest fp32 path (named on the line before them).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch
from limits import forward_flops, matmul_rate, timed

from relvec import RelationEncoder
from relvec.data import ANALOGY_DATASETS, load_analogy
from relvec.embedding.pooling import POOLINGS, TokenRoles
from relvec.embedding.precision import cpu_has_fast_bf16, cpu_kind, cpu_name


def distinct_pairs(count: int, data_dir: str | None) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for name in ANALOGY_DATASETS:
        if name == "sat":
            continue
        for question in load_analogy(name, "test", data_dir):
            for pair in (question.stem, *question.choices):
                seen.setdefault(pair, None)
                if len(seen) == count:
                    return list(seen)
    return list(seen)


def padded_reference(encoder: RelationEncoder, pairs: list[tuple[str, str]]) -> None:
    """The reference implementation's batching: pad to 64, batches of 64 in input order."""
    prompts = encoder.prompts(pairs)
    mask_id = encoder.tokenizer.mask_token_id
    with torch.inference_mode():
        for start in range(0, len(prompts), 64):
            batch = encoder.tokenizer(
                prompts[start : start + 64], padding="max_length", max_length=64, truncation=True, return_tensors="pt"
            )
            output = encoder.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
            hidden = output.last_hidden_state
            mask = (batch["input_ids"] == mask_id).int().argmax(dim=1)
            POOLINGS["average_no_mask"](hidden, TokenRoles(batch["attention_mask"], mask)).numpy()


class OnnxInt8Backend:
    """The encoder's model exported to ONNX, linear layers quantized to int8 by ONNX Runtime, as a backend:
    (input_ids, attention_mask) (batch, length) -> hidden states (batch, length, dim)."""

    def __init__(self, model: torch.nn.Module, folder: Path, threads: int) -> None:
        import onnxruntime
        from onnxruntime.quantization import QuantType, quantize_dynamic

        class HiddenStates(torch.nn.Module):
            def __init__(self, inner: torch.nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
                return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

        example = (torch.ones(2, 12, dtype=torch.long), torch.ones(2, 12, dtype=torch.long))
        batch, length = torch.export.Dim("batch"), torch.export.Dim("length", max=512)
        shapes = {"input_ids": {0: batch, 1: length}, "attention_mask": {0: batch, 1: length}}
        exported, quantized = folder / "model.onnx", folder / "model.int8.onnx"
        torch.onnx.export(
            HiddenStates(model.eval()),
            example,
            str(exported),
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden"],
            dynamic_shapes=shapes,
            dynamo=True,
            verbose=False,
        )
        # Per-channel weights as in the torch path; reduce_range (7-bit weights) because without VNNI the
        # u8 x s8 kernels can saturate their 16-bit intermediate sums.
        quantize_dynamic(exported, quantized, weight_type=QuantType.QInt8, per_channel=True, reduce_range=True)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        self.session = onnxruntime.InferenceSession(str(quantized), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        feed = {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()}
        return torch.from_numpy(self.session.run(None, feed)[0])


def onnx_int8_encoder(options: dict, folder: Path, threads: int) -> RelationEncoder | None:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        print("onnxruntime not installed: ONNX Runtime int8 path not measured", file=sys.stderr)
        return None
    encoder = RelationEncoder(**options, precision="int8")
    encoder.use_backend(OnnxInt8Backend(encoder.model, folder, threads))
    return encoder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--model", default=None, help="a shipped or trained model (its own template and pooling)")
    parser.add_argument("--no-compile", action="store_true", help="skip the compiled paths (minutes for mpnet)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    pairs = distinct_pairs(args.pairs, args.data_dir)
    options = {"template": "d", "pooling": "average_no_mask", "device": "cpu"}
    if args.model:
        options = {"encoder": args.model, "device": "cpu"}
    fast_bf16 = cpu_has_fast_bf16()
    paths = {"relvec fp32 (default)": RelationEncoder(**options)}
    if not args.no_compile:
        paths["relvec fp32, compile=True"] = RelationEncoder(**options, compile=True)
    paths["relvec bf16 fast path"] = RelationEncoder(**options, precision="bf16")
    if fast_bf16 and not args.no_compile:
        paths["relvec bf16, compile=True"] = RelationEncoder(**options, precision="bf16", compile=True)
    paths["relvec int8 (per-token, torch)"] = RelationEncoder(**options, precision="int8")
    scratch = tempfile.TemporaryDirectory()
    onnx = onnx_int8_encoder(options, Path(scratch.name), args.threads)
    if onnx is not None:
        paths["relvec int8 (ONNX Runtime)"] = onnx
    once = set() if fast_bf16 else {"relvec bf16 fast path"}  # emulated bf16: one run is enough to see it
    reference = paths["relvec fp32 (default)"]
    for encoder in paths.values():  # warm-up: first calls allocate, compiled paths compile
        encoder.encode(pairs[:256])
    runs = {"padded": lambda: padded_reference(reference, pairs)} | {
        name: (lambda encoder=encoder: encoder.encode(pairs)) for name, encoder in paths.items()
    }
    # Interleaved repeats, best of each: this shared machine's speed drifts by 5-10% over a minute, and
    # interleaving keeps every path (and the matmul rate) under the same conditions.
    best = dict.fromkeys([*runs, "matmul"], float("inf"))
    rate = 0.0
    for repeat in range(args.repeats):
        for name, run in runs.items():
            if repeat == 0 or name not in once:
                best[name] = min(best[name], timed(run))
        rate = max(rate, matmul_rate())
    tokens = [len(ids) for ids in reference.tokenize(pairs).ids]
    flops = forward_flops(reference.model.config, tokens)
    limit_s = flops / rate
    padded_s = best.pop("padded")
    best.pop("matmul")

    n = len(pairs)
    print(f"CPU: {cpu_name()} ({cpu_kind()}; AMX or AVX-512 BF16: {'yes' if fast_bf16 else 'no'})")
    print(
        f"{n} distinct pairs, {sum(tokens) / n:.1f} tokens per prompt, {args.threads} threads, {flops / n / 1e6:.0f} "
        f"MFLOP per pair; fp32 matmul rate {rate / 1e9:.0f} GFLOP/s; best of {args.repeats} interleaved runs"
    )
    print(f"{'path':<36}{'pairs/s':>9}{'vs padded':>11}{'of fp32 limit':>15}")
    print(f"{'padded to 64, batches of 64':<36}{n / padded_s:>9.0f}{1:>11.2f}{limit_s / padded_s:>15.2f}")
    for name, seconds in best.items():
        print(f"{name:<36}{n / seconds:>9.0f}{padded_s / seconds:>11.2f}{limit_s / seconds:>15.2f}")
    print(f"{'fp32 limit (FLOPs / matmul rate)':<36}{n / limit_s:>9.0f}{padded_s / limit_s:>11.2f}{1:>15.2f}")
    fp32 = min((name for name in best if "fp32" in name), key=best.get)
    print(f"fastest fp32 path: {fp32}")
    int8 = min((name for name in best if "int8" in name), key=best.get)
    print(f"fastest int8 path: {int8}")
    if once:
        print(f"measured once (emulated bf16): {', '.join(sorted(once))}")
    print(f"int8_speedup_vs_fp32: {best[fp32] / best[int8]:.2f}")
    print(f"ratio_vs_padded: {padded_s / best[fp32]:.2f}")
    print(f"fraction_of_fp32_limit: {limit_s / best[fp32]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
