"""Speed fixes for the Rasa 3.6 server. They are applied in one place, `python -m bot.rasa.server` (the assistant's
`rasa run`), and only on the Rasa version they were written for: on any other they refuse, and say why.

1. Rasa validates every action-server reply with `jsonschema.validate()`, which first re-checks the schema
itself against the JSON-Schema meta-schema on every call: measured here, about 60 % of the time of a turn
that calls the action server. The schema is constant, so it is checked once and one validator is reused;
what is validated, and the error raised, are the same.
2. Turning a stored event back into an object (`Event.resolve_by_type`, for every event of a tracker loaded
   from the store and of every action-server reply) walks all subclasses of Event and checks each for
   abstract methods: measured here, a third of a turn's time in a long conversation. The classes are looked
   up once per event name; an unknown name looks again (a module may have defined it since) and, as
   before, falls back to `default` or raises.
3. The intent classifier (LogisticRegressionClassifier) multiplies each message's features by `coef_.T`; stored
   row-major, that transpose (intents x n-grams) is copied whole for every message. Stored column-major once, the
   transpose is a view: the same probabilities (tested), without the copy. And it builds each message's row by
   stacking its n-gram features beside an empty block of dense features, then stacking the rows (0.26 ms a message);
   a single message with n-gram features only (this pipeline) is its features as they are.
4. Rasa opens a new aiohttp session - a new connection pool and a new TCP connection - for every call to the action
   server. One session per event loop is kept open and lent to each call: on loopback the call's HTTP part went
   from 0.64 to 0.28 ms (a local aiohttp server, 500 calls). Idle connections are dropped after 2 s, before the
   action server's own keep-alive (Sanic: 5 s) can close one under a request.
5. RulePolicy finds the rules that fit a conversation by checking each of its ~190 rules against the latest state,
   twice a message (after the patient's message and after each action), and rebuilds each rule's reversed states on
   every check. Which rules fit the latest state depends on that state alone, so that answer is kept per state (a
   bounded cache); the earlier states are checked as stock does, against the few rules left.
6. Rasa runs its model graph (the NLU pipeline, then the policies, three times a message) through dask's scheduler,
   built to spread tasks over threads; here it runs them one after another on the caller's thread, and orders them
   afresh on every call. The graph's nodes are called directly instead, each once, its inputs first: the same
   calls with the same arguments, the same results and errors."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, FrozenSet, List, Optional, Set, Text, Tuple

import aiohttp
import numpy as np

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig
from scipy.sparse import csr_matrix

from bot.rasa.internals import version_problem
from bot.triage.net import column_major

logger = logging.getLogger(__name__)
_validator = None
_stock_validate_action_result = RemoteAction._validate_action_result


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        validator_class = validator_for(schema)
        validator_class.check_schema(schema)
        _validator = validator_class(schema)
    try:
        _validator.validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action "
            f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error


_event_classes: Dict[Text, type] = {}
_stock_resolve_by_type = Event.resolve_by_type


def _resolve_by_type(type_name: Text, default: Optional[type] = None) -> Optional[type]:
    if type_name not in _event_classes:
        for cls in reversed(all_subclasses(Event)):  # reversed: the first one wins, as in Rasa's loop
            _event_classes[cls.type_name] = cls
    if type_name in _event_classes:
        return _event_classes[type_name]
    return _stock_resolve_by_type(type_name, default)  # "topic" -> None, default, or Rasa's error


_stock_classify = LogisticRegressionClassifier.process


_stock_rows = LogisticRegressionClassifier._create_X


def _rows(self: LogisticRegressionClassifier, messages: List[Message]) -> csr_matrix:
    if len(messages) == 1:
        ngrams = messages[0].get_sparse_features(attribute=TEXT)[1]
        if ngrams is not None and messages[0].get_dense_features(attribute=TEXT)[1] is None:
            return csr_matrix(ngrams.features, dtype=np.float64)
    return _stock_rows(self, messages)


def _classify(self: LogisticRegressionClassifier, messages: Any) -> Any:
    column_major(self.clf)  # once: a no-op afterwards
    return _stock_classify(self, messages)


STATES_KEPT = 4096  # distinct latest states remembered per rule table; a conversation meets a few dozen
_stock_possible_keys = RulePolicy._get_possible_keys


def _possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[Dict[Text, Any]]) -> Set[Text]:
    if not states:
        return set(lookup.keys())
    try:
        latest = tuple(sorted((part, tuple(sorted(values.items()))) for part, values in states[-1].items()))
        hash(latest)
    except TypeError:  # a value that cannot be a key (never seen from Rasa's featurizer): stock's way
        return _stock_possible_keys(self, lookup, states)
    kept: Dict[Any, FrozenSet[Text]] = self.__dict__.setdefault("_rules_fitting_latest", {})
    key = (id(lookup), len(lookup), latest)
    if key not in kept:
        if len(kept) >= STATES_KEPT:
            kept.clear()
        kept[key] = frozenset(k for k in lookup if self._is_rule_applicable(k, 0, states[-1]))
    possible = set(kept[key])
    for turn, state in enumerate(reversed(states[:-1]), start=1):
        possible = {k for k in possible if self._is_rule_applicable(k, turn, state)}
    return possible


_stock_run_graph = DaskGraphRunner.run


def _run_graph(self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None,
               targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    run_targets = targets if targets else self._graph_schema.target_names
    schema = self._graph_schema.minimal_graph_schema(run_targets)
    inputs = inputs or {}
    self._add_inputs_to_graph(inputs, dict(schema.nodes))  # stock's check of input values that name a node
    done: Dict[Text, Any] = {name: (name, value) for name, value in inputs.items()}

    def result(name: Any) -> Any:
        if name not in done:
            if name not in schema.nodes:
                return name  # not a node: passed as it is, as dask does
            needs = [result(need) for need in schema.nodes[name].needs.values()]
            done[name] = self._instantiated_nodes[name](*needs)
        return done[name]

    try:
        return dict(result(target) for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


IDLE_CONNECTION_SECONDS = 2.0
_sessions: Dict[Tuple[int, Text], Tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = {}
_stock_session = EndpointConfig.session


class _Lent:
    """`async with endpoint.session() as session` on a session that stays open for the next call."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc_info: Any) -> bool:
        return False


def _session(self: EndpointConfig) -> Any:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no event loop: a session of its own, as stock Rasa does
        return _stock_session(self)
    key = (id(loop), repr((sorted((self.headers or {}).items()), self.basic_auth)))
    owner, session = _sessions.get(key, (None, None))
    if session is None or session.closed or owner is not loop:
        for stale in [k for k, (other, _) in _sessions.items() if other.is_closed()]:
            del _sessions[stale]  # a finished event loop's session: its connections went with the loop
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        session = aiohttp.ClientSession(
            headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS))
        _sessions[key] = (loop, session)
    return _Lent(session)


def apply() -> bool:
    """Patch Rasa for this process; False (with a warning) on a Rasa version the patches were not written for."""
    problem = version_problem()
    if problem:
        logger.warning("Rasa speed patches not applied: %s", problem)
        return False
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    LogisticRegressionClassifier.process = _classify
    LogisticRegressionClassifier._create_X = _rows
    EndpointConfig.session = _session
    RulePolicy._get_possible_keys = _possible_keys
    DaskGraphRunner.run = _run_graph
    return True


def remove() -> None:
    """Stock Rasa again (for tests)."""
    RemoteAction._validate_action_result = _stock_validate_action_result
    Event.resolve_by_type = staticmethod(_stock_resolve_by_type)
    LogisticRegressionClassifier.process = _stock_classify
    LogisticRegressionClassifier._create_X = _stock_rows
    EndpointConfig.session = _stock_session
    RulePolicy._get_possible_keys = _stock_possible_keys
    DaskGraphRunner.run = _stock_run_graph
