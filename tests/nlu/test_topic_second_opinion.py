"""The encoder's second opinion on the intent: asked only when the n-gram classifier is unsure, never on a button
payload, and the first opinion stands if it fails. The encoder itself is the real one (all-MiniLM-L6-v2)."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from sklearn.linear_model import LogisticRegression

from bot.rasa.nlu.topic_second_opinion import TopicSecondOpinion
from bot.text.sentence_encoder import shared_encoder

EXAMPLES = {
    "ask_recovery_driving": ["when can I drive again", "is it ok to drive a car after the procedure",
                             "how soon can I get behind the wheel"],
    "ask_cement_lifespan": ["how long does the cement last", "is the bone cement permanent",
                            "will the cement wear out over the years"],
    "greet": ["hello", "hi there", "good morning"],
}


@pytest.fixture(scope="module")
def component():
    texts = [t for examples in EXAMPLES.values() for t in examples]
    labels = [intent for intent, examples in EXAMPLES.items() for _ in examples]
    classifier = LogisticRegression(C=30, max_iter=2000).fit(shared_encoder().encode_all(texts), labels)
    return TopicSecondOpinion({}, None, None, classifier)


def message(text, intent, confidence):
    m = Message({TEXT: text})
    m.set(INTENT, {"name": intent, "confidence": confidence})
    m.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}])
    return m


def test_an_unsure_message_gets_the_intent_its_meaning_says(component):
    m = component.process([message("does the glue stay in my spine forever or dissolve", "nlu_fallback", 0.4)])[0]
    assert m.get(INTENT)["name"] == "ask_cement_lifespan"
    assert m.get(INTENT_RANKING_KEY)[0]["name"] == "ask_cement_lifespan"


def test_a_sure_message_is_left_alone(component):
    m = component.process([message("does the glue stay in my spine forever", "ask_recovery_driving", 0.9)])[0]
    assert m.get(INTENT) == {"name": "ask_recovery_driving", "confidence": 0.9}


def test_a_button_payload_is_never_second_guessed(component):
    m = component.process([message("/ask_recovery_driving", "ask_recovery_driving", 0.2)])[0]
    assert m.get(INTENT)["name"] == "ask_recovery_driving"


def test_when_the_encoder_is_unsure_too_the_buttons_get_its_ranking(component):
    unsure = TopicSecondOpinion({"accept": 0.99}, None, None, component.classifier)
    m = unsure.process([message("wheel", "nlu_fallback", 0.4)])[0]
    assert m.get(INTENT)["name"] == "nlu_fallback"
    ranking = [entry["name"] for entry in m.get(INTENT_RANKING_KEY)]
    assert ranking[0] == "nlu_fallback" and set(ranking[1:]) == set(EXAMPLES)


def test_a_failing_encoder_leaves_the_first_opinion(component, monkeypatch):
    class Broken:
        classes_ = np.array(["greet"])

        def predict_proba(self, _):
            raise RuntimeError("broken weights")

    broken = TopicSecondOpinion({}, None, None, Broken())
    m = broken.process([message("how long does the cement last", "nlu_fallback", 0.4)])[0]
    assert m.get(INTENT)["name"] == "nlu_fallback"


def test_the_encoder_puts_paraphrases_close_and_other_topics_far():
    encoder = shared_encoder()
    cement, permanent, driving = (encoder.encode(t) for t in ("how long does the cement last",
                                                                "is the bone cement permanent",
                                                                "can I drive after the procedure"))
    assert abs(float(np.linalg.norm(cement)) - 1.0) < 1e-5
    assert cement @ permanent > 0.5 > cement @ driving + 0.3


def _bert_in_numpy(encoder, text):
    """The encoder's arithmetic written out in numpy from the safetensors weights: the reference for the ONNX graph."""
    import json
    import math

    from safetensors.numpy import load_file
    from scipy.special import erf

    from bot.text.sentence_encoder import model_dir

    config = json.loads((model_dir() / "config.json").read_text())
    w = {k.removeprefix("bert."): v.astype(np.float64) for k, v in load_file(str(model_dir() / "model.safetensors")).items()}
    heads, eps = config["num_attention_heads"], config["layer_norm_eps"]

    def norm(x, name):
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * w[f"{name}.weight"] + w[f"{name}.bias"]

    def dense(x, name):
        return x @ w[f"{name}.weight"].T + w[f"{name}.bias"]

    ids = encoder.tokenizer.encode(text).ids
    x = norm(w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:len(ids)]
             + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
    size = x.shape[1] // heads
    for layer in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        q, k, v = (dense(x, p + f"attention.self.{part}").reshape(len(ids), heads, size).transpose(1, 0, 2)
                   for part in ("query", "key", "value"))
        scores = np.exp(q @ k.transpose(0, 2, 1) / math.sqrt(size))
        context = (scores / scores.sum(-1, keepdims=True) @ v).transpose(1, 0, 2).reshape(len(ids), -1)
        x = norm(x + dense(context, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        hidden = dense(x, p + "intermediate.dense")
        x = norm(x + dense(0.5 * hidden * (1 + erf(hidden / math.sqrt(2))), p + "output.dense"), p + "output.LayerNorm")
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def test_the_onnx_graph_gives_berts_vectors_computed_in_numpy_and_8_bits_stay_close():
    import onnxruntime

    from bot.text.encoder_graph import encoder_graph
    from bot.text.sentence_encoder import model_dir

    encoder = shared_encoder()
    in_float = onnxruntime.InferenceSession(encoder_graph(model_dir()).SerializeToString(),
                                            providers=["CPUExecutionProvider"])
    texts = ["driving?", "My mother is 88 and had two falls this year. Is she too old for kyphoplasty?", "x " * 150]
    in_8_bits = encoder.encode_many(texts)
    assert in_8_bits.shape == (3, encoder.dimensions) == (3, 384)
    for text, vector in zip(texts, in_8_bits):
        reference = _bert_in_numpy(encoder, text)
        pooled = in_float.run(None, encoder._inputs(text))[0]
        assert np.abs(pooled / np.linalg.norm(pooled) - reference).max() < 1e-5
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5 and float(vector @ reference) > 0.95
    assert len(encoder.tokenizer.encode("x " * 150).ids) == 128  # a long text is cut to what the model knows
    assert encoder.encode_many([]).shape == (0, encoder.dimensions)


def test_the_8_bit_graph_is_built_once_under_a_name_of_its_version(tmp_path):
    from bot.text.encoder_graph import graph_file
    from bot.text.sentence_encoder import model_dir

    built = graph_file(model_dir(), tmp_path)
    assert built.parent == tmp_path and built.name.startswith("all-MiniLM-L6-v2-int8-")
    assert 40e6 < built.stat().st_size < 70e6  # 8-bit dense weights; the word table stays in float32
    stamp = built.stat().st_mtime_ns
    assert graph_file(model_dir(), tmp_path) == built and built.stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [built.name]  # no scratch files left


def test_noise_stays_not_understood_rather_than_out_of_scope(component):
    class SaysOutOfScope:
        classes_ = np.array(["out_of_scope", "ask_recovery_driving"])

        def predict_proba(self, _):
            return np.array([[0.9, 0.1]])

    second = TopicSecondOpinion({}, None, None, SaysOutOfScope())
    noise = second.process([message("zzqx blorp", "nlu_fallback", 0.38)])[0]
    assert noise.get(INTENT)["name"] == "nlu_fallback"  # the clarification buttons, not "I only help with ..."
    words = second.process([message("can you find me a flat near the hospital", "nlu_fallback", 0.38)])[0]
    assert words.get(INTENT)["name"] == "out_of_scope"


def also_asked(m):
    return [e["value"] for e in m.get("entities") or [] if e["entity"] == "also_asked"]


def test_a_second_question_on_another_topic_is_added(component):
    m = component.process([message("How long does the cement last? And when can I drive again?",
                                    "ask_cement_lifespan", 0.9)])[0]
    assert m.get(INTENT)["name"] == "ask_cement_lifespan"
    assert also_asked(m) == ["ask_recovery_driving"]


def test_two_questions_on_the_same_topic_add_nothing(component):
    m = component.process([message("when can I drive again and is it ok to drive a car after the procedure",
                                    "ask_recovery_driving", 0.9)])[0]
    assert also_asked(m) == []


def test_one_question_after_a_story_adds_nothing(component):
    m = component.process([message("I drove myself to the shops last week. How long does the cement last?",
                                    "ask_cement_lifespan", 0.9)])[0]
    assert also_asked(m) == []


def test_small_talk_is_never_a_second_topic(component):
    m = component.process([message("how long does the cement last? hello?", "ask_cement_lifespan", 0.9)])[0]
    assert also_asked(m) == []


def test_an_unsure_second_question_adds_nothing(component):
    strict = TopicSecondOpinion({"also_accept": 0.999}, None, None, component.classifier)
    m = strict.process([message("How long does the cement last? And when can I drive again?",
                                "ask_cement_lifespan", 0.9)])[0]
    assert also_asked(m) == []


def test_after_a_story_the_encoder_is_asked_even_when_the_n_grams_are_sure(component):
    story = ("My grandson drove me to the shops yesterday in his new car and we had a lovely lunch, and then he drove "
             "me home again. How long does the cement last?")
    m = component.process([message(story, "ask_recovery_driving", 0.95)])[0]
    assert m.get(INTENT)["name"] == "ask_cement_lifespan"


def test_a_short_sure_question_is_still_left_alone(component):
    m = component.process([message("How long does the cement last?", "ask_recovery_driving", 0.95)])[0]
    assert m.get(INTENT)["name"] == "ask_recovery_driving"
