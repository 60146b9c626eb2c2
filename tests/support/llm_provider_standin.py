#!/usr/bin/env python3
"""A local stand-in for the LLM providers the playground calls (the test machines
reach none): OpenAI chat completions, Anthropic Messages and Google Gemini
generateContent, spoken over real HTTP/1.1 in each provider's documented shapes
(bodies, Server-Sent Events, error bodies and status codes), with deterministic
answers so tests can assert them, and a log of every request received.

    openai     base URL http://127.0.0.1:PORT/openai/v1
    anthropic  base URL http://127.0.0.1:PORT/anthropic
    gemini     base URL http://127.0.0.1:PORT/gemini

Streams are chunked text/event-stream: OpenAI `data:` lines ending with
`data: [DONE]`, Anthropic named events, Gemini `data:` lines with CRLF endings
(streamGenerateContent?alt=sse; without alt=sse, one JSON array of the same
responses, as Gemini answers). Gemini takes its key as x-goog-api-key or ?key=.

The first line on stdout is `listening <port>`; stderr gets one line per request
(any key in it replaced). SIGTERM or SIGINT stops it.

Answers:
  normal    "Echo: <the last user message's text>"; streamed in pieces of at most
            8 characters, one event each. Tokens: input = whitespace-separated
            words of the system text and every message's text and tool results;
            output = words of the answer text (a tool call: of its arguments'
            JSON text); total = both.
  tools     the request has tools and its last message is not a tool result:
            one call of the first tool, id "call_standin_1" (Gemini: no id),
            arguments {"query": "<last user text>"}, finish tool_calls / tool_use /
            STOP. After a tool result: "Tool said: <the result's text>".
  json      response format json_object / json_schema (OpenAI), output_config /
            output_format json_schema (Anthropic), responseMimeType
            application/json (Gemini): the text is {"echo": "<last user text>"}.

Keys: a missing key gets OpenAI's 401 invalid_request_error, Anthropic's 401
authentication_error, Gemini's 403 PERMISSION_DENIED; a wrong one OpenAI's 401
invalid_api_key, Anthropic's 401, Gemini's 400 INVALID_ARGUMENT with ErrorInfo
reason API_KEY_INVALID. A key flag set to '' accepts any key or none.
Model lists: GET /openai/v1/models (object list), /anthropic/v1/models (data,
has_more, first_id, last_id; limit, after_id, before_id), /gemini/v1beta/models
(models[].name "models/...", supportedGenerationMethods; pageSize, pageToken;
an embedding model that cannot generateContent is listed too, as Google does).

Scenario models (every provider):
  standin-missing          404, the provider's model-not-found body
  standin-rate-limited     429 with retry-after: 7 (Gemini RESOURCE_EXHAUSTED, RetryInfo 7s too)
  standin-overloaded       Anthropic 529 overloaded_error; OpenAI 503; Gemini 503 UNAVAILABLE
  standin-filtered         200, no text, finish content_filter / refusal / SAFETY
  standin-prompt-blocked   Gemini: 200 with promptFeedback.blockReason SAFETY and no
                           candidates; the others as standin-filtered
  standin-refusal          OpenAI: message.refusal (streamed as delta.refusal), finish
                           stop; Anthropic: stop_reason refusal; Gemini: SAFETY
  standin-thinking         the normal answer after reasoning: OpenAI counts 3
                           reasoning tokens in completion_tokens (details too);
                           Anthropic a thinking block (thinking_delta, signature_delta)
                           before the text, its 3 tokens in output_tokens; Gemini a
                           thought part and thoughtsTokenCount 3
  standin-stall            streams the first piece, then nothing for --stall-seconds
                           (whole answers: nothing at all for that long)
  standin-slow             streams --slow-pieces pieces, one every --slow-interval-ms
  standin-cut              streams two pieces, then drops the connection (no last
                           chunk of the HTTP body, no end of the stream)
  standin-truncated        streams two pieces, then ends the HTTP body cleanly
                           without the stream's end ([DONE] / message_stop / the
                           chunk with finishReason)
  standin-midstream-error  streams one piece, then the provider's in-stream error
                           (whole answers: the provider's 500 body)
Any other model answers normally.

Request rules it enforces with the provider's 400 body, as the providers do:
  openai     model and messages present; stream_options only with stream; every
             tool_calls id answered by a following tool message and no tool
             message without one; max_tokens refused for reasoning models (o1,
             o3, o4-mini, gpt-5...: max_completion_tokens)
  anthropic  anthropic-version header; model, max_tokens, messages present; no
             "system" role; non-empty content and text blocks; each tool_use
             answered by a tool_result in the next message and no tool_result
             without one; tools carry input_schema; not both temperature and
             top_p for Claude Opus 4.1, Sonnet 4.5, Haiku 4.5 and later
  gemini     contents present with parts; roles user/model; a functionResponse
             turn follows a functionCall turn

Observability: GET /_standin/requests lists every request: provider, method, path,
query, headers (names lower-cased, the key's value "<redacted:ok>" or
"<redacted:wrong>"; a key in any other header "<redacted:elsewhere>"), body
(parsed JSON, or null with body_text), model (chat calls), status (the HTTP
status sent), client_disconnected (the client closed before the answer ended).
DELETE /_standin/requests clears the list.

Python 3 standard library only.
"""

import argparse
import json
import re
import select
import signal
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

PIECE_CHARS = 8
TOOL_CALL_ID = "call_standin_1"
RETRY_AFTER_S = 7

LISTED_MODELS = {
    "openai": ["gpt-4o", "gpt-4o-mini"],
    "anthropic": ["claude-sonnet-4-5", "claude-haiku-4-5"],
    "gemini": ["gemini-2.5-flash", "gemini-2.5-pro"],
}
SCENARIO_MODELS = [
    "standin-rate-limited",
    "standin-overloaded",
    "standin-filtered",
    "standin-prompt-blocked",
    "standin-refusal",
    "standin-thinking",
    "standin-stall",
    "standin-slow",
    "standin-cut",
    "standin-truncated",
    "standin-midstream-error",
]
MISSING_MODEL = "standin-missing"
# OpenAI's reasoning models refuse the deprecated max_tokens (max_completion_tokens replaces it).
REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
# Anthropic's models from Claude Opus 4.1 on take temperature or top_p, not both.
ONE_SAMPLER_MODEL = re.compile(r"^claude-(opus-4-1|(sonnet|haiku|opus)-(4-[5-9]|[5-9]))")
STREAMED_SCENARIOS = {"standin-stall", "standin-slow", "standin-cut", "standin-truncated", "standin-midstream-error"}


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def word_count(texts):
    return sum(len(text.split()) for text in texts if text)


def pieces_of(text, size=PIECE_CHARS):
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


class BadRequest(Exception):
    """The request breaks the provider's documented rules: its 400 answer."""

    def __init__(self, message, param=None, code=None):
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


class Prompt:
    """What a request asks, in provider-neutral terms."""

    def __init__(self):
        self.texts = []            # every text counted as input
        self.last_user_text = ""
        self.tool_result = None    # the last message's tool result text, when it is one
        self.first_tool = None     # the first tool's name
        self.json_mode = False
        self.include_usage = True  # OpenAI streams: stream_options.include_usage


class Answer:
    def __init__(self, prompt):
        self.input_tokens = word_count(prompt.texts)
        self.tool_name = None
        self.tool_arguments = ""
        self.text = ""
        self.filtered = False     # the provider filtered the answer (no text)
        self.blocked = False      # Gemini: the prompt was blocked before any candidate
        self.refusal = ""         # OpenAI: the model's refusal instead of content (the others: filtered)
        self.thought = ""         # the reasoning the provider shows (Anthropic thinking, Gemini thought parts)
        self.reasoning_tokens = 0
        if prompt.tool_result is not None:
            self.text = "Tool said: " + prompt.tool_result
        elif prompt.first_tool is not None:
            self.tool_name = prompt.first_tool
            self.tool_arguments = compact({"query": prompt.last_user_text})
        elif prompt.json_mode:
            self.text = compact({"echo": prompt.last_user_text})
        else:
            self.text = "Echo: " + prompt.last_user_text
        self.output_tokens = word_count([self.tool_arguments if self.tool_name else self.text])

    @property
    def total_tokens(self):
        return self.input_tokens + self.output_tokens

    def pieces(self):
        return pieces_of(self.tool_arguments if self.tool_name else self.refusal or self.text)

    def without_content(self):
        """Filtered or refused: no text and no tool call."""
        self.text, self.tool_name, self.tool_arguments = "", None, ""
        self.output_tokens = word_count([self.refusal])
        return self


REFUSAL = "I'm sorry, but I can't help with that."
THOUGHT = "Thinking it over."


def scenario_answer(prompt, model, options):
    """The answer a model gives: the normal one, or its scenario's."""
    answer = Answer(prompt)
    if model in ("standin-filtered", "standin-prompt-blocked"):
        answer.without_content()
        answer.filtered = True
        answer.blocked = model == "standin-prompt-blocked"
    elif model == "standin-refusal":
        answer.refusal = REFUSAL
        answer.without_content()
    elif model == "standin-thinking":
        answer.thought = THOUGHT
        answer.reasoning_tokens = word_count([THOUGHT])
    elif model in STREAMED_SCENARIOS:
        answer = long_answer(prompt, options.slow_pieces)
    return answer


def long_answer(prompt, count):
    """The streamed scenarios' answer: the echo, then numbered words, so there are always many pieces."""
    answer = Answer(prompt)
    answer.tool_name = None
    filler = "".join(" w%03d" % i for i in range(count * PIECE_CHARS // 5 + 1))
    answer.text = ("Echo: " + prompt.last_user_text + filler)[: count * PIECE_CHARS]
    answer.output_tokens = word_count([answer.text])
    return answer


def text_of_blocks(content, block_type="text", key="text"):
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get(key, "") for b in content if isinstance(b, dict) and b.get("type") == block_type)
    return ""


class Provider:
    """What the three providers share: a key, and whether a request carries it."""

    def __init__(self, key):
        self.key = key

    def key_state(self, headers, query):
        """None when the request carries no key, else "ok" or "wrong"."""
        sent = self.sent_key(headers, query)
        if sent is None:
            return None
        return "ok" if sent == self.key else "wrong"


# ---------------------------------------------------------------- OpenAI


class OpenAI(Provider):
    name = "openai"
    prefix = "/openai/v1"
    key_header = "authorization"

    @staticmethod
    def sent_key(headers, query):
        value = headers.get("authorization")
        if value is None:
            return None
        return value[len("bearer "):] if value.lower().startswith("bearer ") else value

    @staticmethod
    def error_body(message, type_, param=None, code=None):
        return {"error": {"message": message, "type": type_, "param": param, "code": code}}

    def auth_failure(self, state):
        if state is None:
            return 401, self.error_body(
                "You didn't provide an API key. You need to provide your API key in an Authorization header "
                "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
                "username) if you're accessing the API from your browser and are prompted for a username and "
                "password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
                "invalid_request_error"), {}
        return 401, self.error_body(
            "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error", None, "invalid_api_key"), {}

    def route(self, method, path, query):
        if path == "/chat/completions" and method == "POST":
            return "chat"
        if path == "/models" and method == "GET":
            return "models"
        return None

    def not_found(self, method, path):
        return 404, self.error_body("Invalid URL (%s %s)" % (method, self.prefix + path), "invalid_request_error"), {}

    def bad_request(self, error):
        return 400, self.error_body(error.message, "invalid_request_error", error.param, error.code), {}

    def models(self, query):
        created = 1715367049
        return {"object": "list",
                "data": [{"id": m, "object": "model", "created": created, "owned_by": "system"}
                         for m in LISTED_MODELS["openai"] + SCENARIO_MODELS]}

    def model_of(self, path, body):
        return body.get("model")

    def wants_stream(self, path, query, body):
        return body.get("stream") is True

    def prompt(self, body):
        if not body.get("model"):
            raise BadRequest("you must provide a model parameter", "model")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest("Missing required parameter: 'messages'.", "messages")
        if body.get("stream_options") is not None and body.get("stream") is not True:
            raise BadRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                             "stream_options")
        prompt = Prompt()
        open_calls = []  # tool_call ids of the last assistant message not yet answered
        for index, message in enumerate(messages):
            role = message.get("role")
            if role not in ("system", "developer", "user", "assistant", "tool"):
                raise BadRequest("Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', "
                                 "'function', 'tool', and 'developer'." % role, "messages[%d].role" % index)
            if open_calls and role != "tool":
                raise BadRequest("An assistant message with 'tool_calls' must be followed by tool messages "
                                 "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                                 "response messages: " + ", ".join(open_calls), "messages.[%d].role" % index)
            text = text_of_blocks(message.get("content"))
            prompt.texts.append(text)
            if role == "tool":
                call_id = message.get("tool_call_id")
                if call_id not in open_calls:
                    raise BadRequest("Invalid parameter: messages with role 'tool' must be a response to a "
                                     "preceeding message with 'tool_calls'.", "messages.[%d].role" % index)
                open_calls.remove(call_id)
            elif role == "assistant":
                open_calls = [call.get("id") for call in message.get("tool_calls") or []]
            elif role == "user":
                prompt.last_user_text = text
        if open_calls:
            raise BadRequest("An assistant message with 'tool_calls' must be followed by tool messages responding "
                             "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                             + ", ".join(open_calls), "messages")
        if messages[-1].get("role") == "tool":
            prompt.tool_result = text_of_blocks(messages[-1].get("content"))
        tools = body.get("tools") or []
        if tools:
            prompt.first_tool = tools[0].get("function", {}).get("name")
        response_format = body.get("response_format") or {}
        prompt.json_mode = response_format.get("type") in ("json_object", "json_schema")
        if "max_tokens" in body and REASONING_MODEL.match(body["model"]):
            raise BadRequest("Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                             "'max_completion_tokens' instead.", "max_tokens", "unsupported_parameter")
        prompt.include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return prompt

    def scenario_error(self, scenario, model):
        if scenario == MISSING_MODEL:
            return 404, self.error_body("The model `%s` does not exist or you do not have access to it." % model,
                                        "invalid_request_error", None, "model_not_found"), {}
        if scenario == "standin-rate-limited":
            return 429, self.error_body(
                "Rate limit reached for %s in organization org-standin on requests per min (RPM): Limit 3, "
                "Used 3, Requested 1. Please try again in 7s." % model, "requests", "requests",
                "rate_limit_exceeded"), {"retry-after": str(RETRY_AFTER_S)}
        if scenario == "standin-overloaded":
            return 503, self.error_body("The server is overloaded or not ready yet.", "server_error"), {}
        return None

    def server_error(self):
        return 500, self.error_body("The server had an error while processing your request. Sorry about that!",
                                    "server_error"), {}

    def finish_reason(self, answer):
        if answer.filtered:
            return "content_filter"
        return "tool_calls" if answer.tool_name else "stop"

    def usage(self, answer):
        # Reasoning is billed as completion: completion_tokens holds it, the details say how much it was.
        completion = answer.output_tokens + answer.reasoning_tokens
        return {"prompt_tokens": answer.input_tokens, "completion_tokens": completion,
                "total_tokens": answer.input_tokens + completion,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": answer.reasoning_tokens, "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}

    def whole(self, answer, model, request_id):
        message = {"role": "assistant", "content": None if answer.tool_name or answer.refusal else answer.text,
                   "refusal": answer.refusal or None, "annotations": []}
        if answer.tool_name:
            message["tool_calls"] = [{"id": TOOL_CALL_ID, "type": "function",
                                      "function": {"name": answer.tool_name, "arguments": answer.tool_arguments}}]
        return {"id": "chatcmpl-standin-%d" % request_id, "object": "chat.completion", "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": message, "logprobs": None,
                             "finish_reason": self.finish_reason(answer)}],
                "usage": self.usage(answer), "service_tier": "default", "system_fingerprint": "fp_standin"}

    def _chunk(self, request_id, model, created, delta, finish=None, choices=True, include_usage=False):
        chunk = {"id": "chatcmpl-standin-%d" % request_id, "object": "chat.completion.chunk", "created": created,
                 "model": model, "service_tier": "default", "system_fingerprint": "fp_standin",
                 "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}] if choices else []}
        if include_usage:
            chunk["usage"] = None
        return "data: %s\n\n" % compact(chunk)

    def stream(self, answer, model, request_id, include_usage=True):
        created = int(time.time())

        def chunk(delta, finish=None):
            return self._chunk(request_id, model, created, delta, finish, include_usage=include_usage)

        head = [chunk({"role": "assistant", "content": None if answer.tool_name else "", "refusal": None})]
        if answer.tool_name:
            head.append(chunk({"tool_calls": [{"index": 0, "id": TOOL_CALL_ID, "type": "function",
                                               "function": {"name": answer.tool_name, "arguments": ""}}]}))
            pieces = [chunk({"tool_calls": [{"index": 0, "function": {"arguments": p}}]}) for p in answer.pieces()]
        elif answer.filtered:
            pieces = []
        else:
            field = "refusal" if answer.refusal else "content"
            pieces = [chunk({field: p}) for p in answer.pieces()]
        tail = [chunk({}, self.finish_reason(answer))]
        if include_usage:
            # The last chunk before [DONE]: no choices, the whole request's usage.
            usage_chunk = json.loads(self._chunk(request_id, model, created, {}, choices=False)[len("data: "):])
            usage_chunk["usage"] = self.usage(answer)
            tail.append("data: %s\n\n" % compact(usage_chunk))
        tail.append("data: [DONE]\n\n")
        return head, pieces, tail

    def stream_error(self):
        return "data: %s\n\n" % compact(self.error_body(
            "The server had an error while processing your request. Sorry about that!", "server_error"))

    content_type_stream = "text/event-stream; charset=utf-8"


# ---------------------------------------------------------------- Anthropic


class Anthropic(Provider):
    name = "anthropic"
    prefix = "/anthropic"
    key_header = "x-api-key"

    @staticmethod
    def sent_key(headers, query):
        return headers.get("x-api-key")

    @staticmethod
    def error_body(type_, message, request_id=None):
        body = {"type": "error", "error": {"type": type_, "message": message}}
        if request_id is not None:
            body["request_id"] = "req_standin_%d" % request_id
        return body

    def auth_failure(self, state):
        if state is None:
            return 401, self.error_body("authentication_error", "x-api-key header is required"), {}
        return 401, self.error_body("authentication_error", "invalid x-api-key"), {}

    def route(self, method, path, query):
        if path == "/v1/messages" and method == "POST":
            return "chat"
        if path == "/v1/models" and method == "GET":
            return "models"
        return None

    def not_found(self, method, path):
        return 404, self.error_body("not_found_error", "Not Found"), {}

    def bad_request(self, error):
        return 400, self.error_body("invalid_request_error", error.message), {}

    def check_headers(self, headers):
        if "anthropic-version" not in headers:
            raise BadRequest("anthropic-version: header is required")

    def models(self, query):
        names = LISTED_MODELS["anthropic"] + SCENARIO_MODELS
        after, before = query.get("after_id"), query.get("before_id")
        limit = int(query.get("limit", "20"))
        if after in names:
            names = names[names.index(after) + 1:]
        if before in names:
            names = names[:names.index(before)]
        page = names[:limit]
        return {"data": [{"type": "model", "id": m, "display_name": m.replace("-", " ").title(),
                          "created_at": "2025-09-29T00:00:00Z"} for m in page],
                "has_more": len(names) > len(page),
                "first_id": page[0] if page else None, "last_id": page[-1] if page else None}

    def model_of(self, path, body):
        return body.get("model")

    def wants_stream(self, path, query, body):
        return body.get("stream") is True

    def prompt(self, body):
        if not body.get("model"):
            raise BadRequest("model: Field required")
        if "max_tokens" not in body:
            raise BadRequest("max_tokens: Field required")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise BadRequest("messages: Field required" if messages is None else
                             "messages: at least one message is required")
        if "temperature" in body and "top_p" in body and ONE_SAMPLER_MODEL.match(body["model"]):
            raise BadRequest("`temperature` and `top_p` cannot both be specified for this model. Please use only one.")
        prompt = Prompt()
        system = body.get("system")
        prompt.texts.append(text_of_blocks(system) if system is not None else "")
        open_uses = []
        for index, message in enumerate(messages):
            role = message.get("role")
            if role not in ("user", "assistant"):
                raise BadRequest('messages: Unexpected role "%s". The Messages API accepts a top-level `system` '
                                 'parameter, not "system" as an input message role.' % role
                                 if role == "system" else "messages.%d.role: Input should be 'user' or 'assistant'"
                                 % index)
            content = message.get("content")
            blocks = [{"type": "text", "text": content}] if isinstance(content, str) else (content or [])
            if not blocks and not (role == "assistant" and index == len(messages) - 1):
                raise BadRequest("messages.%d: all messages must have non-empty content except for the optional "
                                 "final assistant message" % index)
            for at, block in enumerate(blocks):
                if block.get("type") == "text" and not block.get("text"):
                    raise BadRequest("messages.%d.content.%d.text: text content blocks must be non-empty"
                                     % (index, at))
            results = [b for b in blocks if b.get("type") == "tool_result"]
            if open_uses:
                answered = [b.get("tool_use_id") for b in results]
                missing = [u for u in open_uses if u not in answered]
                if role != "user" or missing:
                    raise BadRequest("messages.%d: `tool_use` ids were found without `tool_result` blocks "
                                     "immediately after: %s. Each `tool_use` block must have a corresponding "
                                     "`tool_result` block in the next message." % (index - 1, ", ".join(missing)))
            for result in results:
                if result.get("tool_use_id") not in open_uses:
                    raise BadRequest("messages.%d.content.0: unexpected `tool_use_id` found in `tool_result` "
                                     "blocks: %s. Each `tool_result` block must have a corresponding `tool_use` "
                                     "block in the previous message." % (index, result.get("tool_use_id")))
            open_uses = [b.get("id") for b in blocks if b.get("type") == "tool_use"] if role == "assistant" else []
            text = text_of_blocks(blocks)
            prompt.texts.append(text)
            prompt.texts.extend(text_of_blocks(r.get("content")) for r in results)
            if role == "user" and text:
                prompt.last_user_text = text
            if index == len(messages) - 1 and results:
                prompt.tool_result = text_of_blocks(results[-1].get("content"))
        if open_uses:
            raise BadRequest("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately "
                             "after: %s." % (len(messages) - 1, ", ".join(open_uses)))
        tools = body.get("tools") or []
        for at, tool in enumerate(tools):
            if "input_schema" not in tool and "type" not in tool:  # a client tool needs its schema; server tools have a type
                raise BadRequest("tools.%d.custom.input_schema: Field required" % at)
        if tools:
            prompt.first_tool = tools[0].get("name")
        fmt = (body.get("output_config") or {}).get("format") or body.get("output_format") or {}
        prompt.json_mode = fmt.get("type") == "json_schema"
        return prompt

    def scenario_error(self, scenario, model):
        if scenario == MISSING_MODEL:
            return 404, self.error_body("not_found_error", "model: %s" % model), {}
        if scenario == "standin-rate-limited":
            return 429, self.error_body(
                "rate_limit_error", "This request would exceed the rate limit for your organization of 5 requests "
                "per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits."), \
                {"retry-after": str(RETRY_AFTER_S)}
        if scenario == "standin-overloaded":
            return 529, self.error_body("overloaded_error", "Overloaded"), {}
        return None

    def server_error(self):
        return 500, self.error_body("api_error", "Internal server error"), {}

    THINKING_SIGNATURE = "standin-thinking-signature"

    @staticmethod
    def stop_reason(answer):
        if answer.filtered or answer.refusal:  # Anthropic's refusals are a stop reason, with no text
            return "refusal"
        return "tool_use" if answer.tool_name else "end_turn"

    def whole(self, answer, model, request_id):
        content = []
        if answer.thought:
            content.append({"type": "thinking", "thinking": answer.thought, "signature": self.THINKING_SIGNATURE})
        if answer.tool_name:
            content.append({"type": "tool_use", "id": TOOL_CALL_ID, "name": answer.tool_name,
                            "input": json.loads(answer.tool_arguments)})
        elif answer.text:
            content.append({"type": "text", "text": answer.text})
        return {"id": "msg_standin_%d" % request_id, "type": "message", "role": "assistant", "model": model,
                "content": content, "stop_reason": self.stop_reason(answer), "stop_sequence": None,
                "usage": {"input_tokens": answer.input_tokens, "cache_creation_input_tokens": 0,
                          "cache_read_input_tokens": 0,
                          "output_tokens": answer.output_tokens + answer.reasoning_tokens,
                          "service_tier": "standard"}}

    @staticmethod
    def _event(name, data):
        data = {"type": name, **data}
        return "event: %s\ndata: %s\n\n" % (name, compact(data))

    def stream(self, answer, model, request_id, include_usage=True):
        start = self.whole(answer, model, request_id)
        start["content"] = []
        start["stop_reason"] = None
        start["usage"] = dict(start["usage"], output_tokens=1)
        head = [self._event("message_start", {"message": start})]
        index = 0
        if answer.thought:  # a thinking block first: its text in pieces, then its signature
            head.append(self._event("content_block_start", {"index": 0, "content_block": {
                "type": "thinking", "thinking": "", "signature": ""}}))
            head.extend(self._event("content_block_delta", {"index": 0, "delta": {
                "type": "thinking_delta", "thinking": p}}) for p in pieces_of(answer.thought))
            head.append(self._event("content_block_delta", {"index": 0, "delta": {
                "type": "signature_delta", "signature": self.THINKING_SIGNATURE}}))
            head.append(self._event("content_block_stop", {"index": 0}))
            index = 1
        pieces = []
        if answer.tool_name:
            head.append(self._event("content_block_start", {"index": index, "content_block": {
                "type": "tool_use", "id": TOOL_CALL_ID, "name": answer.tool_name, "input": {}}}))
            head.append(self._event("ping", {}))
            pieces = [self._event("content_block_delta", {"index": index, "delta": {
                "type": "input_json_delta", "partial_json": p}}) for p in answer.pieces()]
        elif answer.text:
            head.append(self._event("content_block_start", {"index": index, "content_block": {
                "type": "text", "text": ""}}))
            head.append(self._event("ping", {}))
            pieces = [self._event("content_block_delta", {"index": index, "delta": {"type": "text_delta", "text": p}})
                      for p in answer.pieces()]
        tail = [self._event("content_block_stop", {"index": index})] if pieces else []
        tail.append(self._event("message_delta", {
            "delta": {"stop_reason": self.stop_reason(answer), "stop_sequence": None},
            "usage": {"output_tokens": answer.output_tokens + answer.reasoning_tokens}}))
        tail.append(self._event("message_stop", {}))
        return head, pieces, tail

    def stream_error(self):
        return "event: error\ndata: %s\n\n" % compact(self.error_body("overloaded_error", "Overloaded"))

    content_type_stream = "text/event-stream; charset=utf-8"


# ---------------------------------------------------------------- Gemini

GEMINI_CHAT = re.compile(r"^/(v1beta|v1)/models/([^/:]+):(generateContent|streamGenerateContent)$")
GEMINI_MODEL = re.compile(r"^/(v1beta|v1)/models/([^/:]+)$")


class Gemini(Provider):
    name = "gemini"
    prefix = "/gemini"
    key_header = "x-goog-api-key"

    @staticmethod
    def sent_key(headers, query):
        return headers.get("x-goog-api-key", query.get("key"))

    @staticmethod
    def error_body(code, status, message, details=None):
        error = {"code": code, "message": message, "status": status}
        if details:
            error["details"] = details
        return {"error": error}

    def auth_failure(self, state):
        if state is None:
            return 403, self.error_body(
                403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call this API."), {}
        message = "API key not valid. Please pass a valid API key."
        return 400, self.error_body(400, "INVALID_ARGUMENT", message, [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
             "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}},
            {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message}]), {}

    def route(self, method, path, query):
        chat = GEMINI_CHAT.match(path)
        if chat and method == "POST":
            return "chat"
        if re.match(r"^/(v1beta|v1)/models$", path) and method == "GET":
            return "models"
        if GEMINI_MODEL.match(path) and method == "GET":
            return "model"
        return None

    def not_found(self, method, path):
        return 404, self.error_body(404, "NOT_FOUND", "Requested entity was not found."), {}

    def bad_request(self, error):
        return 400, self.error_body(400, "INVALID_ARGUMENT", error.message), {}

    @staticmethod
    def _model_entry(name):
        embedding = name.startswith("text-embedding")
        entry = {"name": "models/" + name, "version": "001", "displayName": name.replace("-", " ").title(),
                 "description": "Stand-in model " + name,
                 "inputTokenLimit": 1048576 if not embedding else 2048,
                 "outputTokenLimit": 65536 if not embedding else 1,
                 "supportedGenerationMethods": ["embedContent"] if embedding else
                 ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]}
        if not embedding:
            entry.update({"temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2, "thinking": True})
        return entry

    def models(self, query):
        # The real list holds models that cannot chat (embeddings): clients filter on supportedGenerationMethods.
        names = LISTED_MODELS["gemini"] + ["text-embedding-004"] + SCENARIO_MODELS
        size = int(query.get("pageSize", "50"))
        start = int(query.get("pageToken") or 0)
        page = names[start:start + size]
        body = {"models": [self._model_entry(n) for n in page]}
        if start + size < len(names):
            body["nextPageToken"] = str(start + size)
        return body

    def model(self, path):
        name = GEMINI_MODEL.match(path).group(2)
        if name == MISSING_MODEL:
            return 404, self.error_body(404, "NOT_FOUND", "models/%s is not found for API version v1beta" % name), {}
        return 200, self._model_entry(name), {}

    def model_of(self, path, body):
        return GEMINI_CHAT.match(path).group(2)

    def wants_stream(self, path, query, body):
        return GEMINI_CHAT.match(path).group(3) == "streamGenerateContent"

    def prompt(self, body):
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            raise BadRequest("* GenerateContentRequest.contents: contents is not specified\n")
        prompt = Prompt()
        system = body.get("systemInstruction") or body.get("system_instruction")
        if system:
            prompt.texts.append("".join(p.get("text", "") for p in system.get("parts", [])))
        previous_calls = False
        for index, content in enumerate(contents):
            role = content.get("role", "user")
            if role not in ("user", "model", "function"):
                raise BadRequest("Please use a valid role: user, model.")
            parts = content.get("parts") or []
            if not parts:
                raise BadRequest("* GenerateContentRequest.contents[%d].parts: contents.parts must not be empty.\n"
                                 % index)
            text = "".join(p.get("text", "") for p in parts)
            responses = [p["functionResponse"] for p in parts if "functionResponse" in p]
            if responses and not previous_calls:
                raise BadRequest("Please ensure that function response turn comes immediately after a function "
                                 "call turn.")
            previous_calls = any("functionCall" in p for p in parts)
            prompt.texts.append(text)
            prompt.texts.extend(self._response_text(r) for r in responses)
            if role == "user" and text:
                prompt.last_user_text = text
            if index == len(contents) - 1 and responses:
                prompt.tool_result = self._response_text(responses[-1])
        for tool in body.get("tools") or []:
            declarations = tool.get("functionDeclarations") or tool.get("function_declarations") or []
            if declarations:
                prompt.first_tool = declarations[0].get("name")
                break
        config = body.get("generationConfig") or {}
        prompt.json_mode = config.get("responseMimeType") == "application/json"
        return prompt

    @staticmethod
    def _response_text(function_response):
        """A function response's `response` object as text: its only string value, else its JSON."""
        response = function_response.get("response")
        if isinstance(response, dict) and len(response) == 1:
            (only,) = response.values()
            if isinstance(only, str):
                return only
        return compact(response)

    def scenario_error(self, scenario, model):
        if scenario == MISSING_MODEL:
            return 404, self.error_body(
                404, "NOT_FOUND", "models/%s is not found for API version v1beta, or is not supported for "
                "generateContent. Call ListModels to see the list of available models and their supported "
                "methods." % model), {}
        if scenario == "standin-rate-limited":
            return 429, self.error_body(
                429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing "
                "details. Please retry in 7s.", [
                    {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                        "quotaDimensions": {"location": "global", "model": model}, "quotaValue": "10"}]},
                    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "%ds" % RETRY_AFTER_S}]), \
                {"retry-after": str(RETRY_AFTER_S)}
        if scenario == "standin-overloaded":
            return 503, self.error_body(503, "UNAVAILABLE", "The model is overloaded. Please try again later."), {}
        return None

    def server_error(self):
        return 500, self.error_body(500, "INTERNAL", "An internal error has occurred. Please retry or report in "
                                    "https://developers.generativeai.google/guide/troubleshooting"), {}

    @staticmethod
    def _usage(answer, final=True):
        """Intermediate chunks count the prompt; the last one the candidates and thoughts too."""
        usage = {"promptTokenCount": answer.input_tokens}
        total = answer.input_tokens
        if final:
            usage["candidatesTokenCount"] = answer.output_tokens
            total += answer.output_tokens
            if answer.reasoning_tokens:
                usage["thoughtsTokenCount"] = answer.reasoning_tokens
                total += answer.reasoning_tokens
        usage["totalTokenCount"] = total
        usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": answer.input_tokens}]
        return usage

    SAFETY_RATINGS = [
        {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
        {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
        {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": True},
        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "NEGLIGIBLE"}]

    def _response(self, request_id, model, candidate, usage):
        body = {}
        if candidate is not None:
            body["candidates"] = [candidate]
        body.update({"usageMetadata": usage, "modelVersion": model, "responseId": "standin-%d" % request_id})
        return body

    def whole(self, answer, model, request_id):
        if answer.blocked:
            body = self._response(request_id, model, None, self._usage(answer, final=False))
            return {"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": self.SAFETY_RATINGS}, **body}
        if answer.filtered or answer.refusal:
            candidate = {"finishReason": "SAFETY", "index": 0, "safetyRatings": self.SAFETY_RATINGS}
            return self._response(request_id, model, candidate, self._usage(answer))
        parts = [{"text": answer.thought, "thought": True}] if answer.thought else []
        if answer.tool_name:
            parts.append({"functionCall": {"name": answer.tool_name, "args": json.loads(answer.tool_arguments)}})
        else:
            parts.append({"text": answer.text})
        candidate = {"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": 0}
        return self._response(request_id, model, candidate, self._usage(answer))

    @staticmethod
    def _sse(body):
        return "data: %s\r\n\r\n" % compact(body)

    def stream(self, answer, model, request_id, include_usage=True):
        # Gemini streams whole function calls, and its last text chunk carries the finishReason and full usage.
        if answer.blocked or answer.filtered or answer.refusal or answer.tool_name:
            return [], [self._sse(self.whole(answer, model, request_id))], []
        head = []
        if answer.thought:
            head.append(self._sse(self._response(request_id, model, {"content": {
                "parts": [{"text": answer.thought, "thought": True}], "role": "model"}, "index": 0},
                self._usage(answer, final=False))))
        texts = answer.pieces()
        pieces = []
        for index, text in enumerate(texts):
            last = index == len(texts) - 1
            candidate = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
            if last:
                candidate["finishReason"] = "STOP"
            pieces.append(self._sse(self._response(request_id, model, candidate, self._usage(answer, final=last))))
        return head, pieces, []

    def stream_error(self):
        return self._sse(self.server_error()[1])

    content_type_stream = "text/event-stream"

    @staticmethod
    def stream_framing(query):
        """Without alt=sse, streamGenerateContent streams one JSON array of the same responses."""
        return None if query.get("alt") == "sse" else JsonArrayFraming()


class JsonArrayFraming:
    content_type = "application/json; charset=UTF-8"

    def __init__(self):
        self.first = True

    def frame(self, sse_frame):
        body = sse_frame[len("data: "):].rstrip("\r\n")
        framed = ("[" if self.first else ",\r\n") + body
        self.first = False
        return framed

    def end(self):
        return "[]" if self.first else "]"


# ---------------------------------------------------------------- the server


class RequestLog:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []

    def add(self, entry):
        with self._lock:
            self._entries.append(entry)
            return len(self._entries)

    def update(self, entry, **fields):
        with self._lock:
            entry.update(fields)

    def snapshot(self):
        with self._lock:
            return json.loads(json.dumps(self._entries))

    def clear(self):
        with self._lock:
            self._entries.clear()


class ClientGone(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "llm-provider-standin/1"

    def log_message(self, format, *args):  # one line per request on stderr, never a header nor a key
        line = format % args
        for provider in self.server.providers:
            if provider.key:
                line = line.replace(provider.key, "<redacted>")
        sys.stderr.write("%s %s\n" % (self.address_string(), line))

    # ---- plumbing

    def _read_body(self):
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _client_closed(self):
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _send_json(self, status, body, extra_headers=None):
        data = compact(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _chunk(self, text):
        if self._client_closed():
            raise ClientGone()
        data = text.encode()
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        except OSError:
            raise ClientGone()

    def _hold(self, seconds):
        """Sends nothing for `seconds` (or until stopped), noticing a client that leaves."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.server.stopping.is_set():
            if self._client_closed():
                raise ClientGone()
            time.sleep(0.05)

    def _drop_connection(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- routing

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        url = urlsplit(self.path)
        raw_body = self._read_body()
        if url.path == "/_standin/requests":
            if method == "DELETE":
                self.server.log.clear()
                self._send_json(200, {"cleared": True})
            else:
                self._send_json(200, self.server.log.snapshot())
            return
        provider = next((p for p in self.server.providers if url.path.startswith(p.prefix + "/")), None)
        if provider is None:
            self._send_json(404, {"error": "no provider under " + url.path})
            return
        path = url.path[len(provider.prefix):]
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = None
        key_state = provider.key_state(headers, query)
        if not provider.key and key_state is not None:
            key_state = "ok"  # configured without a key (a local server): any key passes
        entry = {"provider": provider.name, "method": method, "path": path, "query": self._redacted_query(
            provider, query, key_state), "headers": self._redacted_headers(provider, headers, key_state),
            "body": body, "status": None, "client_disconnected": False}
        if body is None and raw_body:
            entry["body_text"] = raw_body.decode("utf-8", "replace")
        request_id = self.server.log.add(entry)
        try:
            self._answer(provider, method, path, query, headers, body, raw_body, key_state, entry, request_id)
        except ClientGone:
            self.server.log.update(entry, client_disconnected=True)
            self.close_connection = True
        except Exception as error:  # a request shaped in a way no rule here foresaw: the provider's 400, not a hang
            traceback.print_exc()
            if entry["status"] is None:
                self._reply(entry, *provider.bad_request(BadRequest("the stand-in could not read this request: %s: %s"
                                                                    % (type(error).__name__, error))))
            else:
                self.close_connection = True

    def _redacted_headers(self, provider, headers, key_state):
        keys = {p.key for p in self.server.providers if p.key}
        redacted = {}
        for name, value in headers.items():
            if name == provider.key_header:
                value = "<redacted:%s>" % key_state
            elif any(k in value for k in keys):
                value = "<redacted:elsewhere>"
            redacted[name] = value
        return redacted

    def _redacted_query(self, provider, query, key_state):
        return {n: ("<redacted:%s>" % key_state if n == "key" and provider.name == "gemini" else v)
                for n, v in query.items()}

    def _reply(self, entry, status, body, headers=None):
        self.server.log.update(entry, status=status)
        self._send_json(status, body, headers)

    def _answer(self, provider, method, path, query, headers, body, raw_body, key_state, entry, request_id):
        kind = provider.route(method, path, query)
        if kind is None:
            self._reply(entry, *provider.not_found(method, path))
            return
        if kind == "chat":
            self.server.log.update(entry, model=provider.model_of(path, body if isinstance(body, dict) else {}))
        if provider.key and key_state != "ok":
            self._reply(entry, *provider.auth_failure(key_state))
            return
        try:
            if hasattr(provider, "check_headers"):
                provider.check_headers(headers)
            if kind == "models":
                self._reply(entry, 200, provider.models(query))
                return
            if kind == "model":
                self._reply(entry, *provider.model(path))
                return
            if not isinstance(body, dict):
                raise BadRequest("We could not parse the JSON body of your request.")
            model = provider.model_of(path, body)
            stream = provider.wants_stream(path, query, body)
            prompt = provider.prompt(body)
        except BadRequest as error:
            self._reply(entry, *provider.bad_request(error))
            return
        refusal = provider.scenario_error(model, model)
        if refusal is not None:
            self._reply(entry, *refusal)
            return
        if stream:
            self._stream(provider, model, prompt, entry, request_id, query)
        else:
            self._whole(provider, model, prompt, entry, request_id)

    def _whole(self, provider, model, prompt, entry, request_id):
        options = self.server.options
        if model == "standin-stall":
            self._hold(options.stall_seconds)
            self._drop_connection()
            return
        if model == "standin-slow":
            self._hold(options.slow_pieces * options.slow_interval_ms / 1000.0)
        if model == "standin-midstream-error":
            self._reply(entry, *provider.server_error())
            return
        body = provider.whole(scenario_answer(prompt, model, options), model, request_id)
        if model in ("standin-cut", "standin-truncated"):
            data = compact(body).encode()
            self.server.log.update(entry, status=200)
            self.send_response(200)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self._drop_connection()
            return
        self._reply(entry, 200, body)

    def _stream(self, provider, model, prompt, entry, request_id, query):
        options = self.server.options
        answer = scenario_answer(prompt, model, options)
        head, pieces, tail = provider.stream(answer, model, request_id, include_usage=prompt.include_usage)
        framing = provider.stream_framing(query) if hasattr(provider, "stream_framing") else None
        if framing is not None:
            head, pieces, tail = ([framing.frame(f) for f in frames] for frames in (head, pieces, tail))
            tail.append(framing.end())
        self.server.log.update(entry, status=200)
        self.send_response(200)
        self.send_header("content-type", framing.content_type if framing else provider.content_type_stream)
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for frame in head:
            self._chunk(frame)
        if model == "standin-stall":
            self._chunk(pieces[0])
            self._hold(options.stall_seconds)
            self._drop_connection()
            return
        if model in ("standin-cut", "standin-truncated"):
            for frame in pieces[:2]:
                self._chunk(frame)
            if model == "standin-cut":
                self._drop_connection()
            else:
                self._end_chunks()
            return
        if model == "standin-midstream-error":
            self._chunk(pieces[0])
            error = provider.stream_error()
            self._chunk(framing.frame(error) + framing.end() if framing else error)
            self._end_chunks()
            return
        for frame in pieces:
            self._chunk(frame)
            if model == "standin-slow":
                self._hold(options.slow_interval_ms / 1000.0)
        for frame in tail:
            self._chunk(frame)
        self._end_chunks()

    def _end_chunks(self):
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            raise ClientGone()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # tests open many runs at once (the api's run bounds): no connect waits in the backlog

    def __init__(self, address, options):
        super().__init__(address, Handler)
        self.options = options
        self.log = RequestLog()
        self.stopping = threading.Event()
        self.providers = [OpenAI(options.openai_key), Anthropic(options.anthropic_key), Gemini(options.gemini_key)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default 0)")
    parser.add_argument("--openai-key", default="sk-standin-openai", help="the OpenAI key accepted ('' accepts any)")
    parser.add_argument("--anthropic-key", default="sk-ant-standin", help="the Anthropic key accepted ('' accepts any)")
    parser.add_argument("--gemini-key", default="standin-gemini-key", help="the Gemini key accepted ('' accepts any)")
    parser.add_argument("--stall-seconds", type=float, default=600, help="how long standin-stall sends nothing")
    parser.add_argument("--slow-pieces", type=int, default=200, help="pieces standin-slow streams")
    parser.add_argument("--slow-interval-ms", type=float, default=100, help="pause between standin-slow's pieces")
    options = parser.parse_args()

    server = Server((options.host, options.port), options)

    def stop(signum, frame):
        server.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening %d" % server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
