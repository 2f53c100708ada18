"""Score quote extraction and speaker attribution against hand-annotated documents.

Gold format (docs/evaluation.md): one YAML or JSON file per document with `text`, optional
`speakers` (canonical name -> aliases) and `statements`, each anchored by quoting a substring
of the text (`quote`, `mention`) so annotations are easy to write by hand; offsets are resolved
here. A predicted statement matches a gold one when it overlaps more than half of the gold
content; its speaker mention counts when it overlaps the gold mention.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import yaml

from corpuskit import quotes, segment
from corpuskit.errors import UsageError

LEVELS = ("statement", "end_to_end", "speaker_exact", "speaker_alias")
SUBSETS = ("all", "direct")


def load_gold(path: str | Path) -> list[dict]:
    """Gold documents from a file or every .yaml/.yml/.json file of a folder, sorted by name."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    elif path.is_file():
        files = [path]
    else:
        raise UsageError(f"gold annotations not found: {path}")
    if not files:
        raise UsageError(f"no .yaml or .json annotation files in {path}")
    docs = []
    for f in files:
        try:
            raw = yaml.safe_load(f.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise UsageError(f"{f}: not valid YAML/JSON ({type(exc).__name__})") from None
        for doc in raw if isinstance(raw, list) else [raw]:
            docs.append(resolve(doc, f.name))
    return docs


def resolve(doc: dict, name: str) -> dict:
    """Turn a hand-written gold document into offsets: content and mention spans."""
    if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
        raise UsageError(f"{name}: a gold document needs a `text` string")
    text = doc["text"]
    statements, cursor = [], 0
    for i, st in enumerate(doc.get("statements") or []):
        quote = st.get("quote")
        if not quote:
            raise UsageError(f"{name}: statement {i} has no `quote`")
        start = text.find(quote, cursor)
        if start < 0:
            start = text.find(quote)
        if start < 0:
            raise UsageError(f"{name}: statement {i}: quote not found in text: {quote[:40]!r}")
        cursor = start
        end = start + len(quote)
        mention = _nearest(text, st.get("mention"), start, end)
        if st.get("mention") and mention is None:
            raise UsageError(f"{name}: statement {i}: mention not found: {st['mention']!r}")
        statements.append(
            {
                "start": start,
                "end": end,
                "kind": st.get("kind", "direct"),
                "speaker": st.get("speaker"),
                "mention": mention,
            }
        )
    aliases = {
        k.lower().replace("’", "'"): {_norm(k), *(_norm(a) for a in v or [])}
        for k, v in (doc.get("speakers") or {}).items()
    }
    return {
        "id": str(doc.get("id", name)),
        "text": text,
        "statements": statements,
        "aliases": aliases,
    }


def _norm(name: str) -> str:
    return name.lower().replace("’", "'")


def _nearest(text: str, mention: str | None, start: int, end: int) -> tuple[int, int] | None:
    """The whole-word occurrence of `mention` nearest to the statement [start, end): outside it,
    or inside it between quotation marks (`“A,” Smith said, “b.”`); one in the statement's own
    paragraph is preferred to one across a paragraph break."""
    if not mention:
        return None
    best = None
    for m in re.finditer(rf"(?<!\w){re.escape(mention)}(?!\w)", text):
        if start <= m.start() < end:
            if not _between_quotes(text[start : m.start()]):
                continue
            dist = 0
        else:
            dist = start - m.end() if m.end() <= start else m.start() - end
        gap = text[m.end() : start] if m.end() <= start else text[end : m.start()]
        key = ("\n\n" in gap, dist)
        if best is None or key < best[0]:
            best = (key, m.span())
    return best[1] if best else None


def _between_quotes(prefix: str) -> bool:
    """Whether a position after `prefix` (statement content that opens inside quotation marks)
    is outside the marks: a closing mark came last."""
    closes = prefix.count("”") + prefix.count("»")
    opens = prefix.count("“") + prefix.count("«")
    straight = prefix.count('"')
    return closes > opens or straight % 2 == 1


def predict(text: str) -> list[dict]:
    """corpuskit's statements for `text` (the build's own segmentation and extraction)."""
    rows, _ = quotes.extract(text, segment.paragraphs(text), {})
    return rows


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _speaker_ok(
    pred: str | None, gold: str | None, aliases: dict[str, set[str]]
) -> tuple[bool, bool]:
    """(exact, alias-tolerant) agreement of a predicted and a gold canonical speaker."""
    if pred is None or gold is None:
        return False, False
    p, g = pred.lower().replace("’", "'"), gold.lower().replace("’", "'")
    if p == g:
        return True, True
    names = aliases.get(g, {g})
    tolerant = p in names or p.split()[-1] == g.split()[-1] and len(p.split()) == 1
    return False, tolerant


def match(gold: list[dict], pred: list[dict], aliases) -> list[tuple[dict, dict | None, dict]]:
    """Pair gold and predicted statements one to one; returns (gold, pred or None, hits)."""
    used: set[int] = set()
    out = []
    for g in gold:
        need = 0.5 * (g["end"] - g["start"])
        best, best_ov = None, 0
        for j, p in enumerate(pred):
            if j in used:
                continue
            ov = _overlap(g["start"], g["end"], p["start"], p["end"])
            if ov > need and ov > best_ov:
                best, best_ov = j, ov
        hits = dict.fromkeys(LEVELS, False)
        p = None
        if best is not None:
            used.add(best)
            p = pred[best]
            hits["statement"] = True
            gm = g["mention"]
            if gm and p.get("speaker_start") is not None:
                hits["end_to_end"] = (
                    _overlap(gm[0], gm[1], p["speaker_start"], p["speaker_end"]) > 0
                )
            exact, tolerant = _speaker_ok(p.get("speaker"), g["speaker"], aliases)
            hits["speaker_exact"], hits["speaker_alias"] = exact, tolerant
        out.append((g, p, hits))
    return out


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp}


def _subset(items: list[dict], subset: str) -> list[dict]:
    if subset == "direct":
        return [s for s in items if s["kind"] == "direct"]
    return [s for s in items if s["kind"] != "scare"]


def evaluate(gold_path: str | Path, out: str | Path | None = None) -> dict:
    """Precision, recall and F1 per level (statement, end-to-end, exact and alias-tolerant
    speaker) for all attributions and for direct quotes; `out` gets scores.json + errors.csv."""
    docs = load_gold(gold_path)
    counts = {s: {"gold": 0, "pred": 0, **dict.fromkeys(LEVELS, 0)} for s in SUBSETS}
    errors = []
    for doc in docs:
        pred = predict(doc["text"])
        for subset in SUBSETS:
            g_items, p_items = _subset(doc["statements"], subset), _subset(pred, subset)
            counts[subset]["gold"] += len(g_items)
            counts[subset]["pred"] += len(p_items)
            matched = match(g_items, p_items, doc["aliases"])
            for g, p, hits in matched:
                for level in LEVELS:
                    counts[subset][level] += hits[level]
                if subset == "all" and not all(hits.values()):
                    errors.append(_error(doc, g, p, hits))
            if subset == "all":
                paired = {id(p) for _, p, _ in matched if p is not None}
                for p in p_items:
                    if id(p) not in paired:
                        errors.append(_error(doc, None, p, dict.fromkeys(LEVELS, False)))
    result = {"documents": len(docs)}
    for subset, c in counts.items():
        result[subset] = {
            "gold": c["gold"],
            "predicted": c["pred"],
            **{level: _prf(c[level], c["pred"], c["gold"]) for level in LEVELS},
        }
    if out is not None:
        write(out, result, errors)
    return result


def _error(doc, g, p, hits) -> dict:
    text = doc["text"]
    return {
        "doc": doc["id"],
        "problem": "missed" if p is None else "spurious" if g is None else "wrong speaker",
        "gold_text": text[g["start"] : g["end"]] if g else "",
        "gold_speaker": g["speaker"] if g else "",
        "gold_mention": text[g["mention"][0] : g["mention"][1]] if g and g["mention"] else "",
        "pred_text": text[p["start"] : p["end"]] if p else "",
        "pred_speaker": (p.get("speaker") or "") if p else "",
        "pred_mention": text[p["speaker_start"] : p["speaker_end"]]
        if p and p.get("speaker_start") is not None
        else "",
        "levels_missed": " ".join(k for k, v in hits.items() if not v),
    }


def write(out: str | Path, result: dict, errors: list[dict]) -> None:
    """scores.json and errors.csv (one row per missed, spurious or misattributed statement)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scores.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", "utf-8")
    fields = [
        "doc",
        "problem",
        "gold_text",
        "gold_speaker",
        "gold_mention",
        "pred_text",
        "pred_speaker",
        "pred_mention",
        "levels_missed",
    ]
    with open(out / "errors.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(errors)
