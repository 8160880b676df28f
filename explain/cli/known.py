"""`python -m explain shortcut` and `python -m explain tcav`: explanations against a known answer (a
planted shortcut), and concept tests (TCAV) of a built-in concept or a user's examples.

Without `--recompute` it prints the shipped results (assets/known/shortcut_scores.json, written by
`make assets`) for `--model shortcut` or `bundled`; `--recompute` (or a checkpoint path) explains the
marked test digits again. `--out FILE.json` writes the full record of both shipped models (what
`make assets` ships). `--kind border` does the same for the border watermark (assets/known/border_scores.json,
its own model only). Bad input exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from explain.cli import args as cli_args
from explain.provenance import provenance


def methods_arg(text: str) -> tuple[str, ...] | None:
    from explain.registry import get_method

    if text == "all":
        return None
    try:
        return tuple(get_method(n.strip()).name for n in text.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_shortcut(sub) -> None:
    p = sub.add_parser("shortcut", help="known-answer scores: attribution on a planted shortcut, per method")
    p.add_argument("--kind", choices=["patch", "border"], default="patch",
                   help="the planted shortcut: patch (a bright 4×4 square on the 7s, default) or border (a faint "
                        "checkerboard watermark over the border on the 3s)")
    p.add_argument("--model", default="shortcut",
                   help="shortcut (the model trained with --kind's mark, default), bundled, or a .safetensors path")
    p.add_argument("--recompute", action="store_true", help="explain again instead of reading the shipped results")
    p.add_argument("--n", type=cli_args.positive_int, default=100, help="marked test digits (with --recompute)")
    p.add_argument("--methods", type=methods_arg, default=None, help="comma-separated names, or all (default)")
    p.add_argument("--seed", type=cli_args.seed, default=0)
    p.add_argument("--out", type=Path, default=None,
                   help="write the shipped record to FILE.json (what `make assets` ships): patch, the shortcut and "
                        "bundled models; border, the border model")
    p.add_argument("--json", action="store_true")
    cli_args.add_write_shipped(p)
    p.set_defaults(handler=cmd_shortcut)


def add_tcav(sub) -> None:
    from explain.known.concepts import BUILT_IN

    p = sub.add_parser("tcav", help="TCAV: does a concept (built in, or examples in FILE.npz) push each class up?")
    p.add_argument("--concept", required=True, help=f"{'|'.join(BUILT_IN)} or a FILE.npz of N×28×28 examples; all "
                                                    "(with --out): every built-in concept on both shipped models")
    p.add_argument("--out", type=Path, default=None, help="with --concept all: write the results to FILE.json")
    cli_args.add_write_shipped(p)
    p.add_argument("--model", default="bundled", help="bundled (default), shortcut, or a .safetensors path")
    p.add_argument("--layers", default="hidden1,hidden2", help="hidden layers, comma-separated")
    p.add_argument("--classes", type=cli_args.indices, default=list(range(10)), help="classes: 0-9 or 3,7")
    p.add_argument("--examples", type=cli_args.positive_int, default=20, help="examples of a built-in concept")
    p.add_argument("--n-random", type=cli_args.positive_int, default=10, help="random concepts (≥ 2)")
    p.add_argument("--seed", type=cli_args.seed, default=0)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_tcav)


def add_subcommands(sub) -> None:
    add_shortcut(sub)
    add_tcav(sub)


def cmd_tcav(args: argparse.Namespace) -> int:
    from explain.known import shipped
    from explain.known.concepts import BUILT_IN, builtin_concept, load_examples
    from explain.known.tcav import tcav
    from model.data import load_mnist

    if any(c > 9 for c in args.classes):
        raise ValueError(f"--classes must be digits 0-9, got {args.classes}")
    layers = tuple(part.strip() for part in args.layers.split(","))
    if (args.concept == "all") != (args.out is not None):
        raise ValueError("--out goes with --concept all (every built-in concept on both shipped models), and only then")
    if args.concept == "all":
        out = cli_args.check_output_file(args.out, suffixes=(".json",), write_shipped=args.write_shipped)
        record = shipped.build_tcav_record(args.examples, args.n_random, args.seed,
                                           provenance("python -m explain", args.argv, ("torch", "captum", "sklearn")))
        with cli_args.atomic_output(out) as tmp:
            tmp.write_text(json.dumps(record, indent=1) + "\n")
        print(f"wrote {out}")
        return 0
    if args.concept in BUILT_IN:
        examples = builtin_concept(args.concept, load_mnist(train=False), args.examples, args.seed)
    else:
        examples = load_examples(cli_args.check_input_file(args.concept, "--concept"))
    if args.model not in shipped.MODELS:
        cli_args.check_input_file(args.model, "--model")
    result = tcav(shipped.load_model(args.model), examples, layers, tuple(dict.fromkeys(args.classes)),
                  args.n_random, args.seed)
    rows = [{k: r.to_dict()[k] for k in ("layer", "class", "score", "p_value", "significant", "cav_accuracy",
                                          "random_cav_accuracy", "cav_above_chance", "spread", "random_score")}
            for r in result.rows]
    if args.json:
        print(json.dumps({"model": str(args.model), "concept": str(args.concept), "n_examples": result.n_examples,
                          "n_random": result.n_random, "seconds": round(result.seconds, 3), "alpha": result.alpha,
                          "rows": rows}))
        return 0
    print(f"TCAV of {args.concept} ({result.n_examples} examples vs {result.n_random} random concepts) on the "
          f"{args.model} model, {result.seconds:.1f} s")
    print(f"{'layer':8s} {'class':>5s} {'score':>6s} {'±':>5s} {'random':>6s} {'p':>8s}  {'CAV acc':>7s} {'random':>6s}")
    for r in rows:
        print(f"{r['layer']:8s} {r['class']:5d} {r['score']:6.2f} {r['spread']:5.2f} {r['random_score']:6.2f} "
              f"{r['p_value']:8.2g}{' *' if r['significant'] else '  '} {r['cav_accuracy']:7.2f} "
              f"{r['random_cav_accuracy']:6.2f}{'' if r['cav_above_chance'] else ' (at chance)'}")
    print(f"* significant at p < {result.alpha:.2g} (two-sided t-test against random-vs-random scores, 0.05 "
          f"Bonferroni-corrected over the {len(rows)} layer × class tests), on a layer whose CAV accuracy is above "
          "the random-vs-random CAVs' (one-sided Welch t-test, p < 0.05)")
    return 0


def _view(model: str, record: dict, source: str) -> dict:
    """The printed object: the issue's fields first, then the intervals and the faithfulness beside them."""
    s = record["scores"]
    rel = record["reliance"]
    return {
        "model": model, "source": source, "class": s["target"], "chance": s["chance"], "k": s["k"],
        "found_chance": s["found_chance"], "n": s["n"],
        "reliance": {k: rel[k] for k in ("accuracy_with", "accuracy_without", "flip_rate")},
        "methods": [{"method": m["method"], "share": m["share"], "found_at_k": m["found_at_k"],
                     "share_ci95": [m["share_lo"], m["share_hi"]], "found_ci95": [m["found_lo"], m["found_hi"]],
                     "deletion": m["deletion"], "insertion": m["insertion"],
                     **({"error": m["error"]} if m.get("error") else {})} for m in s["methods"]],
    }


def _table(view: dict) -> str:
    def pct(v: float | None) -> str:
        return "n/a" if v is None or not math.isfinite(v) else f"{v:6.1%}"

    rel = view["reliance"]
    lines = [f"{view['model']} model ({view['source']}): class {view['class']}, chance {view['chance']:.1%}, "
             f"{view['n']} marked digits; accuracy with the mark {rel['accuracy_with']:.1%}, without "
             f"{rel['accuracy_without']:.1%}, flip rate {rel['flip_rate']:.1%}",
             f"{'method':24s} {'share':>7s} {'found@k':>8s}"]
    lines += [f"{m['method']:24s} {pct(m['share'])} {pct(m['found_at_k']):>8s}" + (f"  ERROR {m['error']}" if "error" in m else "")
              for m in view["methods"]]
    return "\n".join(lines)


def cmd_shortcut(args: argparse.Namespace) -> int:
    from explain.known import shipped
    from explain.known.scores import KnownConfig

    planted = shipped.PLANTED[args.kind]
    model = planted.model if args.model == "shortcut" else str(args.model)
    if args.out is not None:
        out = cli_args.check_output_file(args.out, suffixes=(".json",), write_shipped=args.write_shipped)
        record = planted.build(KnownConfig(n=args.n, seed=args.seed, methods=args.methods),
                               provenance("python -m explain", args.argv, ("torch", "captum", "shap", "lime")))
        with cli_args.atomic_output(out) as tmp:
            tmp.write_text(json.dumps(record, indent=1) + "\n")
        view = _view(planted.model, record["models"][planted.model], f"written to {out}")
    elif args.recompute or model not in (*shipped.MODELS, shipped.BORDER_MODEL) or args.methods is not None:
        if model not in (*shipped.MODELS, shipped.BORDER_MODEL):
            cli_args.check_input_file(model, "--model")
        view = _view(model, shipped.model_record(shipped.load_model(model), planted.shortcut,
                                                 KnownConfig(n=args.n, seed=args.seed, methods=args.methods)),
                     "computed")
    else:
        record = shipped.load_shipped(planted.file)
        if record is None:
            raise ValueError(f"no shipped results in assets/{planted.file} (make assets writes them); pass --recompute")
        if model not in record["models"]:
            raise ValueError(f"the shipped {args.kind} results hold the {', '.join(record['models'])} model only; "
                             f"pass --recompute for the {model} model")
        view = _view(model, record["models"][model], f"shipped {record.get('date', '')}".strip())
    print(json.dumps(view) if args.json else _table(view))
    return 0
