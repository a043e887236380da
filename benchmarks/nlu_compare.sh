#!/usr/bin/env bash
# Compares config.yml's NLU pipeline with benchmarks/nlu/config_alternative.yml by 3-fold
# cross-validation on data/nlu and prints the intent and entity scores of each. Slow (it trains
# six models); prints numbers, asserts nothing.
source "$(dirname "$0")/../scripts/lib.sh"
ensure_venv
cd "$ROOT"
folds="${FOLDS:-3}"
for config in config.yml benchmarks/nlu/config_alternative.yml; do
  out="var/nlu-cv/$(basename "$config" .yml)"
  rm -rf "$out"
  start=$(date +%s)
  rasa test nlu --nlu data/nlu --config "$config" --cross-validation --folds "$folds" --out "$out" >"$out.log" 2>&1 \
    || { tail -n 20 "$out.log"; exit 1; }
  echo "== $config ($folds folds, $(( $(date +%s) - start )) s)"
  python - "$out" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
intent = json.loads((out / "intent_report.json").read_text())["weighted avg"]
print(f"   intent: f1 {intent['f1-score']:.3f} precision {intent['precision']:.3f} recall {intent['recall']:.3f}")
for report in sorted(out.glob("*Extractor_report.json")) + sorted(out.glob("DIETClassifier_report.json")):
    data = json.loads(report.read_text())
    avg = data.get("weighted avg") or data.get("micro avg")
    print(f"   entities ({report.stem.replace('_report', '')}): f1 {avg['f1-score']:.3f}")
PY
done
