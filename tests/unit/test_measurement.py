"""The measurement code of `make eval` and `make bench`, without Rasa: figures from known inputs."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import List

import pytest

from bench import load
from eval import report, triage_report


@dataclass
class _Flag:
    code: str
    label: str
    level: str


@dataclass
class _Lexicon:
    red_flags: List[_Flag]


@dataclass
class _Assessment:
    level: str = None
    codes: List[str] = field(default_factory=list)


class _FakeEngine:
    """Flags chest pain whenever the text says "chest", whatever the context."""

    class triage:
        lexicon = _Lexicon([_Flag("chest_pain", "chest pain", "emergency"), _Flag("fever", "fever", "urgent")])

    def decide(self, text):
        return _Assessment("emergency", ["chest_pain"]) if "chest" in text else _Assessment()


CASES = [
    {"text": "my chest hurts", "level": "emergency", "codes": ["chest_pain"], "kind": "affirmed"},
    {"text": "no chest pain at all", "level": "none", "codes": ["chest_pain"], "kind": "negated"},
    {"text": "i have a fever", "level": "urgent", "codes": ["fever"], "kind": "affirmed"},
    {"text": "what is kyphoplasty", "level": "none", "kind": "benign_question"},
]


def test_triage_figures_per_flag_and_level():
    result = triage_report.evaluate(CASES, _FakeEngine())
    flags = {f.code: f for f in result.flags}
    assert (flags["chest_pain"].tp, flags["chest_pain"].fp, flags["chest_pain"].tn) == (1, 1, 2)
    assert flags["chest_pain"].sensitivity == 1.0 and flags["chest_pain"].specificity == pytest.approx(2 / 3)
    assert (flags["fever"].tp, flags["fever"].fn) == (0, 1)
    assert result.confusion[("none", "emergency")] == 1 and result.confusion[("urgent", "none")] == 1
    assert [t for t, _, _ in result.under_triaged] == ["i have a fever"]
    assert [t for t, _, _ in result.over_triaged] == ["no chest pain at all"]
    text = triage_report.render(result, fresh=False)
    assert "| `fever` fever | urgent | 1 | 0.0%" in text and "“i have a fever”" in text


def test_wilson_interval():
    low, high = triage_report.wilson(10, 10)
    assert high == pytest.approx(1.0) and 0.69 < low < 0.73


def test_cross_validation_means_from_the_log(tmp_path):
    log = tmp_path / "cv.log"
    log.write_text("x INFO rasa.model_testing  - Intent evaluation results\n"
                   "x INFO rasa.nlu.test  - train F1-score: 0.989 (0.003)\n"
                   "x INFO rasa.nlu.test  - test F1-score: 0.630 (0.015)\n"
                   "x INFO rasa.model_testing  - Entity evaluation results\n"
                   "x INFO rasa.nlu.test  - test F1-score: 0.100 (0.000)\n")
    assert report.cv_means(log) == {"train": {"F1-score": (0.989, 0.003)}, "test": {"F1-score": (0.63, 0.015)}}


def test_percentile_and_summary():
    assert load.percentile([1, 2, 3, 4], 50) == 2.5 and load.percentile([5], 99) == 5
    result = load.LevelResult("x", 1, 10.0, [load.Sample("question", 0.0, 1.0, True),
                                             load.Sample("symptom", 1.0, 3.0, True, degraded=True),
                                             load.Sample("question", 9.0, 2.0, True),  # ends after the window
                                             load.Sample("question", 4.0, 0.5, False)], {"HTTP 500": 1})
    summary = load.summarise(result)
    assert summary["ok"] == 3 and summary["errors"] == 1 and summary["degraded"] == 1
    assert summary["p50"] == 2.0 and summary["throughput"] == pytest.approx(0.2)


def test_load_scripts_are_the_same_for_both_systems():
    pools = load.load_pools()
    assert pools.questions and pools.symptoms and all(pools.small_talk.values())
    first = [t for _, t in zip(range(30), load.script(7, pools))]
    assert first == [t for _, t in zip(range(30), load.script(7, pools))]
    kinds = [kind for _, kind, _ in (t for t in first)]
    assert kinds[0] == "small_talk" and {"question", "symptom"} <= set(kinds)
    assert load.conversation(random.Random(1), pools)[-1][0] == "small_talk"


def _bench_results():
    from bench.report import PROCS

    def run(system, concurrency, p50, throughput):
        return {"system": system, "concurrency": concurrency, "p50": p50, "p95": 2 * p50, "p99": 3 * p50,
                "throughput": throughput, "ok": int(throughput * 25), "errors": 0, "degraded": 0,
                "cpu_ms_per_request": {p: 10.0 for p in PROCS}, "client_cpu_s": 1.0, "cores_busy": 1.5,
                "other_cpu_s": 0.0}

    training = {"wall_s": 26.0, "cpu_s": 27.0, "model_mb": 1.5, "components_s": {"RulePolicy": 3.0}}
    system = lambda model, long_last: {  # noqa: E731
        "model": model, "description": "d", "endpoints": "endpoints.yml", "credentials": "credentials.yml",
        "env": {}, "first_answer_s": 11.0, "peak_rss_mb": {p: 600.0 for p in PROCS},
        "peak_pss_mb": {p: 400.0 for p in PROCS}, "processes": {p: 1 for p in PROCS},
        "long": {"turns": 20, "latencies": [0.02] * 20, "first_p50": 0.02, "last_p50": long_last}}
    return {
        "started": "2026-11-25T19:00:00+00:00", "finished": "2026-11-25T19:10:00+00:00", "commit": "abc",
        "machine": {"cores": 2, "cpu": "x", "memory_gb": 24, "python": "3.10"}, "duration_s": 25, "levels": [10],
        "warmup": 60, "pools": {"questions": 1, "symptom reports": 1, "small talk": 1},
        "order": ["assistant", "assistant-2w", "baseline"], "baseline": "baseline",
        "models": {"assistant": {"config": "config.yml", "pipeline": ["A"], "policies": ["RulePolicy"],
                                 "training": training},
                   "baseline": {"config": "bench/baseline/config.yml", "pipeline": ["B"], "policies": ["TEDPolicy"],
                                "training": dict(training, wall_s=520.0)}},
        "systems": {"assistant": system("assistant", 0.02), "assistant-2w": system("assistant", 0.02),
                    "baseline": system("baseline", 0.3)},
        "runs": [run("assistant", 10, 0.1, 50.0), run("assistant-2w", 10, 0.05, 100.0), run("baseline", 10, 0.2, 25.0)],
    }


def test_the_benchmark_report_compares_each_system_with_the_baseline(tmp_path):
    from bench.report import plot, render

    plot(_bench_results(), tmp_path / "benchmarks.png")
    assert (tmp_path / "benchmarks.png").stat().st_size > 10_000
    text = render(_bench_results())
    assert "| throughput (messages/s) | 50.0 | 100.0 | 25.0 | 2.00× | 4.00× |" in text
    assert "| p50 latency (ms) | 100 | 50 | 200 | 0.50× | 0.25× |" in text
    assert "| median latency, turns 19–20 (ms) | 20 | 20 | 300 | 0.07× | 0.07× |" in text
    assert "| training, wall clock (s) | 26 | 26 | 520 | 0.05× | 0.05× |" in text


def test_a_judge_reads_the_reply_text_and_the_button_titles_but_no_payload():
    from eval.replies import reply_text

    messages = [{"recipient_id": "x", "text": "I can help with these:", "buttons": [
        {"title": "Driving after the procedure", "payload": "/ask_recovery_driving"}, {"title": "Showering", "payload": "/ask_x"}]},
        {"custom": {"topic": "x"}}, {"text": "In an emergency, call 911."}]
    assert reply_text(messages) == ("I can help with these:\n[buttons: Driving after the procedure | Showering]\n"
                                    "In an emergency, call 911.")
    assert reply_text([]) == ""



def test_a_stopped_bench_reads_the_training_time_back_from_the_log(tmp_path, monkeypatch):
    from bench import run

    monkeypatch.setattr(run, "OUT", tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "baseline.tar.gz").write_bytes(b"x" * 2_000_000)
    (tmp_path / "train-baseline.log").write_text(
        "2026-12-02 17:05:00 INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'.\n"
        "epochs ...\n"
        "2026-12-02 17:49:20 INFO rasa.engine.training.hooks - Finished training component 'DIETClassifier'.\n"
        "2026-12-02 17:49:41 INFO rasa.engine.training.hooks - Skipping training of `TEDPolicy` as no data\n",
        encoding="utf-8")
    training = run.training_from_log("baseline")
    assert training["wall_s"] == 2681 and training["components_s"] == {"DIETClassifier": 2660}
    assert training["skipped"] == ["TEDPolicy"] and training["reused"] and training["model_mb"] == 2.0
