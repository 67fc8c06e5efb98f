"""bot/rasa/patches.py against stock Rasa: each patched function gives stock's answers, the patches apply only on the
Rasa version they were written for, and nothing but the server's entry point applies them."""
import asyncio
import subprocess
import sys

import pytest
import rasa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig
from aiohttp import web

from bot.rasa import patches
from scripts.launch import ROOT, free_port

REPLIES = [
    {"events": [], "responses": [{"text": "hi"}]},
    {"events": [{"event": "slot", "name": "fu_temperature", "value": "101"}], "responses": []},
    {},
    {"events": "not a list"},
    {"events": [], "responses": "not a list"},
    {"events": [{"no_event_key": 1}]},
    {"responses": [{"text": 5}]},
]


@pytest.fixture()
def patched():
    assert patches.apply()
    yield
    patches.remove()


def _verdict(result):
    try:
        return RemoteAction("action_answer_topic", None)._validate_action_result(result)
    except ValidationError as error:
        return ("invalid", error.message)


@pytest.mark.parametrize("reply", REPLIES, ids=[str(r)[:40] for r in REPLIES])
def test_action_reply_validation_gives_stock_verdicts(reply):
    patches.remove()
    stock = _verdict(reply)
    patches.apply()
    try:
        assert _verdict(reply) == stock
    finally:
        patches.remove()


def test_event_lookup_gives_stock_classes_for_every_event_type(patched):
    names = sorted({cls.type_name for cls in all_subclasses(Event)})
    patched_classes = [Event.resolve_by_type(name) for name in names]
    patches.remove()
    assert patched_classes == [Event.resolve_by_type(name) for name in names]
    assert len(names) > 20


def test_event_lookup_of_an_unknown_name_falls_back_as_stock_does(patched):
    assert Event.resolve_by_type("no-such-event", default=Event) is Event
    assert Event.resolve_by_type("topic") is None  # stock's old TopicSet events
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no-such-event")


def test_the_patches_refuse_another_rasa_version(monkeypatch, caplog):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    assert "3.7.0" in patches.version_problem()
    assert patches.apply() is False
    assert RemoteAction._validate_action_result is not patches._validate_action_result
    assert "not applied" in caplog.text


def test_importing_the_channels_and_components_patches_nothing():
    code = ("import bot.rasa.channels.rest, bot.rasa.channels.twilio, bot.rasa.nlu.red_flag_detector\n"
            "from rasa.core.actions.action import RemoteAction\nfrom bot.rasa import patches\n"
            "print(RemoteAction._validate_action_result is patches._validate_action_result)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_the_intent_classifier_weights_column_major_give_the_same_probabilities(patched):
    import numpy as np
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from bot.triage.net import column_major

    assert LogisticRegressionClassifier.process is patches._classify
    rng = np.random.default_rng(3)
    features = sparse.random(200, 5000, density=0.01, random_state=3, format="csr")
    model = LogisticRegression(max_iter=300).fit(features, rng.integers(0, 6, 200))
    row_major = model.predict_proba(features)
    assert not model.coef_.flags.f_contiguous
    column_major(model)
    assert model.coef_.flags.f_contiguous
    assert np.allclose(model.predict_proba(features), row_major, rtol=0, atol=1e-12)


def test_removing_the_patches_gives_stock_rasa_back():
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    patches.apply()
    patches.remove()
    assert LogisticRegressionClassifier.process is patches._stock_classify
    assert LogisticRegressionClassifier._create_X is patches._stock_rows
    assert RulePolicy._get_possible_keys is patches._stock_possible_keys
    assert DaskGraphRunner.run is patches._stock_run_graph
    assert EndpointConfig.session is patches._stock_session


async def _serve_webhook(port: int, peers: list):
    """A stand-in action server that notes the client port of every call (one port: one connection)."""
    async def webhook(request):
        peers.append(request.transport.get_extra_info("peername")[1])
        body = await request.json()
        return web.json_response({"events": [], "responses": [{"text": body["next_action"]}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def test_action_server_calls_share_one_connection_and_get_the_same_replies(patched):
    port, peers = free_port(), []

    async def calls():
        runner = await _serve_webhook(port, peers)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        replies = [await endpoint.request(json={"next_action": f"action_{i}"}, method="post") for i in range(5)]
        await runner.cleanup()  # the action server restarts: its open connection is gone
        runner = await _serve_webhook(port, peers)
        replies.append(await endpoint.request(json={"next_action": "after_restart"}, method="post"))
        await runner.cleanup()
        return replies

    replies = asyncio.run(calls())
    assert [r["responses"][0]["text"] for r in replies] == [f"action_{i}" for i in range(5)] + ["after_restart"]
    assert len(set(peers[:5])) == 1  # stock Rasa opens a connection per call: five ports


def test_the_sessions_of_finished_event_loops_are_let_go(patched):
    from bot.rasa import patches

    async def one_call(port):
        peers = []
        runner = await _serve_webhook(port, peers)
        await EndpointConfig(f"http://127.0.0.1:{port}/webhook").request(json={"next_action": "x"}, method="post")
        await runner.cleanup()

    for _ in range(3):  # each asyncio.run is a new event loop, as each test client or worker restart is
        asyncio.run(one_call(free_port()))
    assert len(patches._sessions) == 1  # only the last loop's, not one per loop that ever ran


@pytest.mark.model
def test_rule_lookup_keeps_stock_answers_for_the_models_own_rules(tmp_path):
    """Conversations made of the trained rules' own states (whole rules, and random mixes of their states) get the
    same fitting rules from the patched lookup, asked twice (the second answer from its cache), as from stock."""
    import json
    import random
    from pathlib import Path

    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    storage, meta = LocalModelStorage.from_model_archive(tmp_path, Path(ROOT) / "models" / "assistant.tar.gz")
    node = next(schema for schema in meta.predict_schema.nodes.values() if schema.uses is RulePolicy)
    policy = RulePolicy.load({**RulePolicy.get_default_config(), **node.config}, storage, node.resource,
                             ExecutionContext(meta.predict_schema, node.resource.name))
    rules = policy.lookup[RULES]
    all_states = [state for key in rules for state in json.loads(key)]
    rng = random.Random(7)
    conversations = [json.loads(key) for key in rules]
    conversations += [[rng.choice(all_states) for _ in range(rng.randint(1, 6))] for _ in range(400)]
    conversations += [json.loads(rng.choice(list(rules)))[:-1] + [rng.choice(all_states)] for _ in range(200)]
    fitted = {}
    for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
        lookup = policy.lookup[table]
        stock = [patches._stock_possible_keys(policy, lookup, states) for states in conversations]
        fitted[table] = sum(1 for keys in stock if keys)
        patches.apply()
        try:
            assert [RulePolicy._get_possible_keys(policy, lookup, states) for states in conversations] == stock
            assert [policy._get_possible_keys(lookup, states) for states in conversations] == stock
        finally:
            patches.remove()
    assert len(rules) > 100 and fitted[RULES] > 100 and fitted[RULES_FOR_LOOP_UNHAPPY_PATH] > 0, fitted  # the cases do reach rules that fit


@pytest.mark.model
def test_the_model_graph_run_node_by_node_gives_what_dask_gives():
    """The trained model's graph, run by the patched runner and by dask: the same parse of each message (intent,
    ranking, entities, the red-flag detector's findings) and the same next action after it."""
    from pathlib import Path

    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    texts = ["hello", "how long does the cement last", "driving?", "I have crushing chest pain",
             "no fever, legs fine, just asking when I can shower", "zzqx blorp", "/greet",
             "My mum fell this morning and now has new back pain lower down. Also when can she drive?",
             "thanks, bye"]

    async def run_all():
        agent = await load_agent(model_path=str(Path(ROOT) / "models" / "assistant.tar.gz"))
        seen = []
        for number, text in enumerate(texts):
            parsed = await agent.parse_message(text)
            tracker = await agent.log_message(UserMessage(text, sender_id=f"graph-{number}"))
            prediction = agent.predict_next_with_tracker(tracker)
            seen.append((parsed, prediction, _without_ids(prediction.pop("tracker")["events"])))
        return agent, seen

    patches.remove()
    agent, stock = asyncio.run(run_all())
    patches.apply()
    try:
        assert DaskGraphRunner.run is patches._run_graph
        _, patched = asyncio.run(run_all())
        with pytest.raises(GraphRunError):  # a node's RuntimeError is reported as stock reports it
            runner = agent.processor.graph_runner
            runner._instantiated_nodes = {name: _Raises() for name in runner._instantiated_nodes}
            runner.run(inputs={"__message__": []}, targets=list(runner._instantiated_nodes)[:1])
    finally:
        patches.remove()
    assert patched == stock
    assert any(p["intent"]["name"].startswith("ask_") for p, _, _ in stock) and stock[3][0]["entities"]
    assert stock[3][1]["policy"] == "RulePolicy" and max(s["score"] for s in stock[3][1]["scores"]) == 1.0


def _without_ids(value):
    """What differs between two runs by design: event timestamps and random message ids."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in ("timestamp", "message_id")}
    return [_without_ids(v) for v in value] if isinstance(value, list) else value


class _Raises:
    def __call__(self, *args):
        raise RuntimeError("broken on purpose")
