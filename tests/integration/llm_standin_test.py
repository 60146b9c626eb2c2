#!/usr/bin/env python3
"""The LLM provider stand-in (tests/support/llm_provider_standin.py) speaks each
provider's documented shapes: whole and streamed answers, tool calls, usage,
model lists, the scenario models, key checks and the request log. Run over real
HTTP with urllib: python3 llm_standin_test.py SOURCE_DIR (or from the tree)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

SOURCE_DIR = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
SCRIPT = os.path.join(SOURCE_DIR, "tests", "support", "llm_provider_standin.py")
KEYS = {"openai": "sk-test-openai-123", "anthropic": "sk-ant-test-456", "gemini": "gemini-test-789"}
SLOW_PIECES = 10
SLOW_INTERVAL_MS = 50
STALL_SECONDS = 30

SYSTEM = "You answer briefly"          # 3 words
QUESTION = "what is the weather today"  # 5 words
ECHO = "Echo: " + QUESTION
TOOL = {"name": "lookup", "description": "Looks things up", "parameters": {
    "type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}


def start_standin(*extra, stderr=subprocess.DEVNULL):
    process = subprocess.Popen(
        [sys.executable, "-u", SCRIPT, "--port", "0", "--openai-key", KEYS["openai"], "--anthropic-key",
         KEYS["anthropic"], "--gemini-key", KEYS["gemini"], "--stall-seconds", str(STALL_SECONDS),
         "--slow-pieces", str(SLOW_PIECES), "--slow-interval-ms", str(SLOW_INTERVAL_MS), *extra],
        stdout=subprocess.PIPE, stderr=stderr, text=True)
    first = process.stdout.readline().split()
    assert first[0] == "listening", first
    return process, int(first[1])


# ---- each provider's request, from one neutral prompt


def openai_request(model, stream, tools=False, tool_result=None, json_mode=False, key=True):
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]
    if tool_result is not None:
        messages.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_standin_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]})
        messages.append({"role": "tool", "tool_call_id": "call_standin_1", "content": tool_result})
    body = {"model": model, "messages": messages}
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    if tools:
        body["tools"] = [{"type": "function", "function": TOOL}]
    if json_mode:
        body["response_format"] = {"type": "json_object"}
    headers = {"Authorization": "Bearer " + KEYS["openai"]} if key else {}
    return "/openai/v1/chat/completions", headers, body


def anthropic_request(model, stream, tools=False, tool_result=None, json_mode=False, key=True):
    messages = [{"role": "user", "content": QUESTION}]
    if tool_result is not None:
        messages.append({"role": "assistant", "content": [
            {"type": "tool_use", "id": "call_standin_1", "name": "lookup", "input": {}}]})
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_standin_1", "content": tool_result}]})
    body = {"model": model, "max_tokens": 1024, "system": SYSTEM, "messages": messages}
    if stream:
        body["stream"] = True
    if tools:
        body["tools"] = [{"name": TOOL["name"], "description": TOOL["description"], "input_schema": TOOL["parameters"]}]
    if json_mode:
        body["output_config"] = {"format": {"type": "json_schema", "schema": {"type": "object"}}}
    headers = {"anthropic-version": "2023-06-01"}
    if key:
        headers["x-api-key"] = KEYS["anthropic"]
    return "/anthropic/v1/messages", headers, body


def gemini_request(model, stream, tools=False, tool_result=None, json_mode=False, key=True):
    contents = [{"role": "user", "parts": [{"text": QUESTION}]}]
    if tool_result is not None:
        contents.append({"role": "model", "parts": [{"functionCall": {"name": "lookup", "args": {}}}]})
        contents.append({"role": "user", "parts": [{"functionResponse": {"name": "lookup",
                                                                         "response": {"result": tool_result}}}]})
    body = {"systemInstruction": {"parts": [{"text": SYSTEM}]}, "contents": contents}
    if tools:
        body["tools"] = [{"functionDeclarations": [TOOL]}]
    if json_mode:
        body["generationConfig"] = {"responseMimeType": "application/json"}
    path = "/gemini/v1beta/models/%s:%s" % (model, "streamGenerateContent?alt=sse" if stream else "generateContent")
    return path, ({"x-goog-api-key": KEYS["gemini"]} if key else {}), body


REQUESTS = {"openai": openai_request, "anthropic": anthropic_request, "gemini": gemini_request}
MODELS = {"openai": "gpt-4o", "anthropic": "claude-sonnet-4-5", "gemini": "gemini-2.5-flash"}


def sse_events(raw):
    """(event name or None, data text) of each Server-Sent Event in `raw` (LF or CRLF lines)."""
    events = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        if data:
            events.append((name, "\n".join(data)))
    return events


# ---- what each provider's answer says, read back as its documentation describes it


def read_openai(status, raw, stream):
    out = {"text": "", "calls": [], "finish": None, "usage": None, "pieces": []}
    if not stream:
        body = json.loads(raw)
        assert body["object"] == "chat.completion", body
        choice = body["choices"][0]
        out["text"] = choice["message"]["content"] or ""
        out["calls"] = [(c["id"], c["function"]["name"], c["function"]["arguments"])
                        for c in choice["message"].get("tool_calls") or []]
        out["finish"], usage = choice["finish_reason"], body["usage"]
        out["usage"] = (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"])
        return out
    events = sse_events(raw)
    assert events[-1][1] == "[DONE]", events[-1]
    calls = {}
    for _, data in events[:-1]:
        chunk = json.loads(data)
        if "error" in chunk:
            out["error"] = chunk["error"]
            continue
        assert chunk["object"] == "chat.completion.chunk"
        assert "usage" in chunk  # include_usage: null on every chunk but the last
        if not chunk["choices"]:
            usage = chunk["usage"]
            out["usage"] = (usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"])
            continue
        assert chunk["usage"] is None
        choice = chunk["choices"][0]
        delta = choice["delta"]
        if delta.get("content"):
            out["pieces"].append(delta["content"])
        for call in delta.get("tool_calls") or []:
            entry = calls.setdefault(call["index"], [None, None, ""])
            if "id" in call:
                entry[0], entry[1] = call["id"], call["function"]["name"]
            entry[2] += call["function"].get("arguments", "")
            if call["function"].get("arguments"):
                out["pieces"].append(call["function"]["arguments"])
        if choice["finish_reason"]:
            out["finish"] = choice["finish_reason"]
    out["text"] = "".join(p for p in out["pieces"]) if not calls else ""
    out["calls"] = [tuple(c) for _, c in sorted(calls.items())]
    return out


def read_anthropic(status, raw, stream):
    out = {"text": "", "calls": [], "finish": None, "usage": None, "pieces": []}
    if not stream:
        body = json.loads(raw)
        assert body["type"] == "message" and body["role"] == "assistant", body
        out["text"] = "".join(b["text"] for b in body["content"] if b["type"] == "text")
        out["calls"] = [(b["id"], b["name"], json.dumps(b["input"], separators=(",", ":")))
                        for b in body["content"] if b["type"] == "tool_use"]
        out["finish"] = body["stop_reason"]
        usage = body["usage"]
        out["usage"] = (usage["input_tokens"], usage["output_tokens"], usage["input_tokens"] + usage["output_tokens"])
        return out
    events = sse_events(raw)
    names = [name for name, _ in events]
    assert names[0] == "message_start", names
    input_tokens, output_tokens, blocks = 0, 0, {}
    for name, data in events:
        event = json.loads(data)
        assert event["type"] == name, (name, event)
        if name == "message_start":
            input_tokens = event["message"]["usage"]["input_tokens"]
        elif name == "content_block_start":
            blocks[event["index"]] = dict(event["content_block"], json="")
        elif name == "content_block_delta":
            delta = event["delta"]
            if delta["type"] == "text_delta":
                blocks[event["index"]]["text"] += delta["text"]
                out["pieces"].append(delta["text"])
            elif delta["type"] == "input_json_delta":
                blocks[event["index"]]["json"] += delta["partial_json"]
                out["pieces"].append(delta["partial_json"])
            else:
                assert delta["type"] in ("thinking_delta", "signature_delta"), delta
        elif name == "message_delta":
            out["finish"] = event["delta"]["stop_reason"]
            output_tokens = event["usage"]["output_tokens"]
        elif name == "error":
            out["error"] = event["error"]
    if "message_stop" in names:
        out["usage"] = (input_tokens, output_tokens, input_tokens + output_tokens)
    out["text"] = "".join(b["text"] for b in blocks.values() if b["type"] == "text")
    out["calls"] = [(b["id"], b["name"], b["json"]) for b in blocks.values() if b["type"] == "tool_use"]
    out["names"] = names
    return out


def read_gemini(status, raw, stream):
    out = {"text": "", "calls": [], "finish": None, "usage": None, "pieces": []}
    bodies = [json.loads(data) for _, data in sse_events(raw)] if stream else [json.loads(raw)]
    for body in bodies:
        if "error" in body:
            out["error"] = body["error"]
            continue
        if "promptFeedback" in body:
            out["blocked"] = body["promptFeedback"]["blockReason"]
        for candidate in body.get("candidates", []):
            for part in candidate.get("content", {}).get("parts", []):
                if "text" in part:
                    out["pieces"].append(part["text"])
                if "functionCall" in part:
                    call = part["functionCall"]
                    out["calls"].append((None, call["name"], json.dumps(call["args"], separators=(",", ":"))))
            if candidate.get("finishReason"):
                out["finish"] = candidate["finishReason"]
        usage = body["usageMetadata"]
        out["usage"] = (usage["promptTokenCount"], usage.get("candidatesTokenCount", 0), usage["totalTokenCount"])
    out["text"] = "".join(out["pieces"])
    return out


READERS = {"openai": read_openai, "anthropic": read_anthropic, "gemini": read_gemini}
FINISH = {"openai": ("stop", "tool_calls", "content_filter"), "anthropic": ("end_turn", "tool_use", "refusal"),
          "gemini": ("STOP", "STOP", "SAFETY")}


class StandinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.process, cls.port = start_standin()

    @classmethod
    def tearDownClass(cls):
        cls.process.send_signal(signal.SIGTERM)
        cls.process.wait(timeout=10)
        cls.process.stdout.close()

    def call(self, method, path, headers=None, body=None):
        """(status, headers, body text) of one request."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data, method=method,
                                         headers=dict(headers or {}, **({"content-type": "application/json"}
                                                                         if data else {})))
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def chat(self, provider, model=None, stream=False, **options):
        path, headers, body = REQUESTS[provider](model or MODELS[provider], stream, **options)
        status, response_headers, raw = self.call("POST", path, headers, body)
        return status, response_headers, raw

    def answer(self, provider, model=None, stream=False, **options):
        status, headers, raw = self.chat(provider, model, stream, **options)
        self.assertEqual(status, 200, raw)
        if stream:
            self.assertTrue(headers["content-type"].startswith("text/event-stream"))
        return READERS[provider](status, raw, stream)

    def log(self):
        return json.loads(self.call("GET", "/_standin/requests")[2])

    # ---- answers

    def test_text_whole_and_streamed(self):
        for provider in REQUESTS:
            for stream in (False, True):
                with self.subTest(provider=provider, stream=stream):
                    out = self.answer(provider, stream=stream)
                    self.assertEqual(out["text"], ECHO)
                    self.assertEqual(out["finish"], FINISH[provider][0])
                    self.assertEqual(out["usage"], (8, 6, 14))  # 3 + 5 words in, "Echo:" and 5 words out
                    if stream:
                        self.assertGreater(len(out["pieces"]), 1)
                        self.assertTrue(all(0 < len(p) <= 8 for p in out["pieces"]), out["pieces"])

    def test_anthropic_stream_follows_the_documented_event_flow(self):
        out = self.answer("anthropic", stream=True)
        names = out["names"]
        self.assertEqual(names[:3], ["message_start", "content_block_start", "ping"])
        self.assertEqual(names[-3:], ["content_block_stop", "message_delta", "message_stop"])
        self.assertEqual(set(names[3:-3]), {"content_block_delta"})

    def test_gemini_stream_uses_crlf_frames_and_the_last_chunk_carries_the_finish(self):
        path, headers, body = gemini_request(MODELS["gemini"], True)
        status, _, raw = self.call("POST", path, headers, body)
        self.assertIn("\r\n\r\n", raw)
        bodies = [json.loads(data) for _, data in sse_events(raw)]
        self.assertTrue(all("finishReason" not in b["candidates"][0] for b in bodies[:-1]))
        self.assertEqual(bodies[-1]["candidates"][0]["finishReason"], "STOP")
        self.assertEqual(bodies[-1]["usageMetadata"]["candidatesTokenCount"], 6)

    def test_gemini_stream_without_sse_is_one_json_array(self):
        path, headers, body = gemini_request(MODELS["gemini"], True)
        status, response_headers, raw = self.call("POST", path.replace("?alt=sse", ""), headers, body)
        self.assertEqual(status, 200)
        self.assertTrue(response_headers["content-type"].startswith("application/json"))
        responses = json.loads(raw)
        self.assertGreater(len(responses), 1)
        self.assertEqual("".join(r["candidates"][0]["content"]["parts"][0]["text"] for r in responses), ECHO)
        self.assertEqual(responses[-1]["candidates"][0]["finishReason"], "STOP")

    def test_tool_call_then_tool_result(self):
        arguments = json.dumps({"query": QUESTION}, separators=(",", ":"))
        for provider in REQUESTS:
            for stream in (False, True):
                with self.subTest(provider=provider, stream=stream):
                    out = self.answer(provider, stream=stream, tools=True)
                    expected_id = None if provider == "gemini" else "call_standin_1"
                    self.assertEqual(out["calls"], [(expected_id, "lookup", arguments)])
                    self.assertEqual(out["text"], "")
                    self.assertEqual(out["finish"], FINISH[provider][1])
                    if stream and provider != "gemini":  # Gemini sends a function call whole
                        self.assertGreater(len(out["pieces"]), 1)
                    after = self.answer(provider, stream=stream, tools=True, tool_result="sunny, 21 C")
                    self.assertEqual(after["text"], "Tool said: sunny, 21 C")
                    self.assertEqual(after["calls"], [])

    def test_json_response_format(self):
        for provider in REQUESTS:
            with self.subTest(provider=provider):
                out = self.answer(provider, json_mode=True)
                self.assertEqual(json.loads(out["text"]), {"echo": QUESTION})

    def test_filtered(self):
        for provider in REQUESTS:
            for stream in (False, True):
                with self.subTest(provider=provider, stream=stream):
                    out = self.answer(provider, "standin-filtered", stream)
                    self.assertEqual(out["text"], "")
                    self.assertEqual(out["finish"], FINISH[provider][2])

    def test_refusal(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                status, _, raw = self.chat("openai", "standin-refusal", stream)
                if stream:
                    deltas = [json.loads(d)["choices"][0]["delta"] for _, d in sse_events(raw)[:-2]]
                    refusal = "".join(d.get("refusal") or "" for d in deltas)
                    self.assertFalse(any(d.get("content") for d in deltas))
                else:
                    message = json.loads(raw)["choices"][0]["message"]
                    refusal = message["refusal"]
                    self.assertIsNone(message["content"])
                self.assertEqual(refusal, "I'm sorry, but I can't help with that.")
                self.assertEqual(self.answer("anthropic", "standin-refusal", stream)["finish"], "refusal")
                self.assertEqual(self.answer("gemini", "standin-refusal", stream)["finish"], "SAFETY")

    def test_thinking(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                out = self.answer("openai", "standin-thinking", stream)
                self.assertEqual((out["text"], out["usage"]), (ECHO, (8, 9, 17)))  # 6 words and 3 reasoning
                raw = self.chat("openai", "standin-thinking", stream)[2]
                usage = json.loads(sse_events(raw)[-2][1] if stream else raw)["usage"]
                self.assertEqual(usage["completion_tokens_details"]["reasoning_tokens"], 3)

                raw = self.chat("anthropic", "standin-thinking", stream)[2]
                if stream:
                    events = [json.loads(d) for _, d in sse_events(raw)]
                    self.assertEqual(events[1]["content_block"]["type"], "thinking")
                    deltas = [e["delta"] for e in events if e["type"] == "content_block_delta"]
                    self.assertEqual("".join(d.get("thinking", "") for d in deltas), "Thinking it over.")
                    self.assertIn("signature_delta", [d["type"] for d in deltas])
                else:
                    self.assertEqual([b["type"] for b in json.loads(raw)["content"]], ["thinking", "text"])
                out = self.answer("anthropic", "standin-thinking", stream)
                self.assertEqual((out["text"], out["usage"]), (ECHO, (8, 9, 17)))

                raw = self.chat("gemini", "standin-thinking", stream)[2]
                bodies = [json.loads(d) for _, d in sse_events(raw)] if stream else [json.loads(raw)]
                parts = [p for b in bodies for p in b["candidates"][0]["content"]["parts"]]
                self.assertEqual(parts[0], {"text": "Thinking it over.", "thought": True})
                self.assertEqual("".join(p["text"] for p in parts[1:]), ECHO)
                usage = bodies[-1]["usageMetadata"]
                self.assertEqual((usage["candidatesTokenCount"], usage["thoughtsTokenCount"], usage["totalTokenCount"]),
                                 (6, 3, 17))

    def test_gemini_prompt_blocked(self):
        out = self.answer("gemini", "standin-prompt-blocked")
        self.assertEqual(out["blocked"], "SAFETY")
        self.assertIsNone(out["finish"])

    # ---- error answers

    def error_of(self, provider, status, raw):
        """(type or status name, message) of a provider's documented error body."""
        body = json.loads(raw)
        if provider == "openai":
            self.assertEqual(set(body["error"]), {"message", "type", "param", "code"})
            return body["error"]["code"] or body["error"]["type"], body["error"]["message"]
        if provider == "anthropic":
            self.assertEqual(body["type"], "error")
            return body["error"]["type"], body["error"]["message"]
        self.assertEqual(body["error"]["code"], status)
        return body["error"]["status"], body["error"]["message"]

    def test_scenario_errors(self):
        expected = {
            "standin-missing": {"openai": (404, "model_not_found"), "anthropic": (404, "not_found_error"),
                                "gemini": (404, "NOT_FOUND")},
            "standin-rate-limited": {"openai": (429, "rate_limit_exceeded"), "anthropic": (429, "rate_limit_error"),
                                     "gemini": (429, "RESOURCE_EXHAUSTED")},
            "standin-overloaded": {"openai": (503, "server_error"), "anthropic": (529, "overloaded_error"),
                                   "gemini": (503, "UNAVAILABLE")},
        }
        for model, by_provider in expected.items():
            for provider, (status, kind) in by_provider.items():
                for stream in (False, True):
                    with self.subTest(model=model, provider=provider, stream=stream):
                        got, headers, raw = self.chat(provider, model, stream)
                        self.assertEqual(got, status, raw)
                        self.assertEqual(self.error_of(provider, got, raw)[0], kind)
                        if model == "standin-rate-limited":
                            self.assertEqual(headers["retry-after"], "7")
        gemini_429 = json.loads(self.chat("gemini", "standin-rate-limited")[2])
        retry = [d for d in gemini_429["error"]["details"] if d["@type"].endswith("google.rpc.RetryInfo")]
        self.assertEqual(retry[0]["retryDelay"], "7s")

    def test_keys(self):
        expected_missing = {"openai": (401, "invalid_request_error"), "anthropic": (401, "authentication_error"),
                            "gemini": (403, "PERMISSION_DENIED")}
        expected_wrong = {"openai": (401, "invalid_api_key"), "anthropic": (401, "authentication_error"),
                          "gemini": (400, "INVALID_ARGUMENT")}
        header = {"openai": "Authorization", "anthropic": "x-api-key", "gemini": "x-goog-api-key"}
        for provider in REQUESTS:
            with self.subTest(provider=provider):
                path, headers, body = REQUESTS[provider](MODELS[provider], False, key=False)
                status, _, raw = self.call("POST", path, headers, body)
                self.assertEqual((status, self.error_of(provider, status, raw)[0]), expected_missing[provider])
                wrong = "sk-wrong-key-000"
                headers[header[provider]] = ("Bearer " if provider == "openai" else "") + wrong
                status, _, raw = self.call("POST", path, headers, body)
                self.assertEqual((status, self.error_of(provider, status, raw)[0]), expected_wrong[provider])
                self.assertNotIn(wrong, raw)
        body = json.loads(raw)
        self.assertEqual(body["error"]["details"][0]["reason"], "API_KEY_INVALID")
        # Gemini also takes the key as ?key=
        status, _, _ = self.call("GET", "/gemini/v1beta/models?key=" + KEYS["gemini"])
        self.assertEqual(status, 200)

    def test_documented_request_rules(self):
        path, headers, body = anthropic_request(MODELS["anthropic"], False)
        del body["max_tokens"]
        status, _, raw = self.call("POST", path, headers, body)
        self.assertEqual((status, json.loads(raw)["error"]["message"]), (400, "max_tokens: Field required"))
        path, headers, body = anthropic_request(MODELS["anthropic"], False)
        del headers["anthropic-version"]
        self.assertEqual(self.call("POST", path, headers, body)[0], 400)
        path, headers, body = openai_request(MODELS["openai"], False)
        body["messages"].append({"role": "tool", "tool_call_id": "call_x", "content": "orphan"})
        status, _, raw = self.call("POST", path, headers, body)
        self.assertEqual(status, 400, raw)
        path, headers, body = openai_request(MODELS["openai"], False)
        body["stream_options"] = {"include_usage": True}
        self.assertEqual(self.call("POST", path, headers, body)[0], 400)
        path, headers, body = gemini_request(MODELS["gemini"], False)
        body["contents"].append({"role": "user", "parts": [{"functionResponse": {"name": "x", "response": {}}}]})
        self.assertEqual(self.call("POST", path, headers, body)[0], 400)
        path, headers, body = gemini_request(MODELS["gemini"], False)
        body["contents"][0]["role"] = "assistant"
        self.assertEqual(self.call("POST", path, headers, body)[0], 400)
        path, headers, body = openai_request("o3-mini", False)
        body["max_tokens"] = 100
        status, _, raw = self.call("POST", path, headers, body)
        self.assertEqual((status, json.loads(raw)["error"]["code"]), (400, "unsupported_parameter"))
        body["max_completion_tokens"] = body.pop("max_tokens")
        self.assertEqual(self.call("POST", path, headers, body)[0], 200)
        path, headers, body = anthropic_request(MODELS["anthropic"], False)
        body["messages"][0]["content"] = [{"type": "text", "text": ""}]
        self.assertEqual(self.call("POST", path, headers, body)[0], 400)
        path, headers, body = anthropic_request(MODELS["anthropic"], False, tools=True)
        del body["tools"][0]["input_schema"]
        self.assertEqual(self.call("POST", path, headers, body)[0], 400)
        path, headers, body = anthropic_request("claude-haiku-4-5", False)
        body.update(temperature=0.5, top_p=0.9)
        status, _, raw = self.call("POST", path, headers, body)
        self.assertEqual((status, json.loads(raw)["error"]["type"]), (400, "invalid_request_error"))
        body["model"] = "claude-3-5-haiku-latest"  # older models take both
        self.assertEqual(self.call("POST", path, headers, body)[0], 200)

    def test_a_request_of_an_unforeseen_shape_gets_the_providers_400(self):
        path, headers, body = anthropic_request(MODELS["anthropic"], False)
        body["messages"] = ["not a message object"]
        status, _, raw = self.call("POST", path, headers, body)
        self.assertEqual((status, json.loads(raw)["error"]["type"]), (400, "invalid_request_error"))

    # ---- model lists

    def test_model_lists(self):
        listed = {"openai": ["gpt-4o", "gpt-4o-mini"], "anthropic": ["claude-sonnet-4-5", "claude-haiku-4-5"],
                  "gemini": ["gemini-2.5-flash", "gemini-2.5-pro"]}
        status, _, raw = self.call("GET", "/openai/v1/models", {"Authorization": "Bearer " + KEYS["openai"]})
        body = json.loads(raw)
        self.assertEqual(body["object"], "list")
        ids = [m["id"] for m in body["data"]]
        self.assertEqual(ids[:2], listed["openai"])
        self.assertIn("standin-slow", ids)
        self.assertNotIn("standin-missing", ids)
        self.assertTrue(all(m["object"] == "model" and "owned_by" in m for m in body["data"]))

        anthropic_headers = {"x-api-key": KEYS["anthropic"], "anthropic-version": "2023-06-01"}
        body = json.loads(self.call("GET", "/anthropic/v1/models", anthropic_headers)[2])
        self.assertEqual([m["id"] for m in body["data"]][:2], listed["anthropic"])
        self.assertFalse(body["has_more"])
        self.assertEqual((body["first_id"], body["last_id"]), (body["data"][0]["id"], body["data"][-1]["id"]))
        self.assertTrue(all(m["type"] == "model" and "display_name" in m and "created_at" in m for m in body["data"]))
        page = json.loads(self.call("GET", "/anthropic/v1/models?limit=1&after_id=claude-sonnet-4-5",
                                    anthropic_headers)[2])
        self.assertEqual(([m["id"] for m in page["data"]], page["has_more"]), (["claude-haiku-4-5"], True))

        gemini_headers = {"x-goog-api-key": KEYS["gemini"]}
        body = json.loads(self.call("GET", "/gemini/v1beta/models", gemini_headers)[2])
        names = [m["name"] for m in body["models"]]
        self.assertEqual(names[:2], ["models/" + m for m in listed["gemini"]])
        chat_capable = [m["name"] for m in body["models"] if "generateContent" in m["supportedGenerationMethods"]]
        self.assertNotIn("models/text-embedding-004", chat_capable)
        self.assertIn("models/text-embedding-004", names)
        first = json.loads(self.call("GET", "/gemini/v1beta/models?pageSize=2", gemini_headers)[2])
        self.assertEqual(len(first["models"]), 2)
        rest = json.loads(self.call("GET", "/gemini/v1beta/models?pageSize=50&pageToken=" + first["nextPageToken"],
                                    gemini_headers)[2])
        self.assertEqual([m["name"] for m in first["models"] + rest["models"]], names)

    # ---- streamed scenarios

    def open_stream(self, provider, model):
        path, headers, body = REQUESTS[provider](model, True)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("POST", path, json.dumps(body), dict(headers, **{"content-type": "application/json"}))
        return connection, connection.getresponse()

    def test_cut_and_truncated_streams(self):
        for provider in REQUESTS:
            with self.subTest(provider=provider, model="standin-cut"):
                connection, response = self.open_stream(provider, "standin-cut")
                with self.assertRaises(http.client.IncompleteRead):
                    response.read()
                connection.close()
            with self.subTest(provider=provider, model="standin-truncated"):
                status, _, raw = self.chat(provider, "standin-truncated", True)
                out = READERS[provider](status, raw, True) if provider != "openai" else None
                if provider == "openai":
                    self.assertNotIn("[DONE]", raw)
                    self.assertEqual(len(sse_events(raw)), 3)  # the role chunk and two pieces
                elif provider == "anthropic":
                    self.assertNotIn("message_stop", out["names"])
                else:
                    self.assertIsNone(out["finish"])
                    self.assertEqual(len(out["pieces"]), 2)

    def test_midstream_error(self):
        expected = {"openai": "server_error", "anthropic": "overloaded_error", "gemini": "INTERNAL"}
        for provider in REQUESTS:
            with self.subTest(provider=provider):
                if provider == "openai":
                    raw = self.chat(provider, "standin-midstream-error", True)[2]
                    events = sse_events(raw)
                    self.assertEqual(json.loads(events[-1][1])["error"]["type"], expected[provider])
                    self.assertNotIn("[DONE]", raw)
                    continue
                out = self.answer(provider, "standin-midstream-error", True)
                error = out["error"]
                self.assertEqual(error.get("type") or error.get("status"), expected[provider])
                self.assertTrue(out["text"].startswith("Echo: "))
                status, _, raw = self.chat(provider, "standin-midstream-error", False)
                self.assertEqual(status, 500)

    def test_slow_stream_and_cancel_is_logged(self):
        started = time.monotonic()
        out = self.answer("anthropic", "standin-slow", True)
        self.assertGreaterEqual(time.monotonic() - started, SLOW_PIECES * SLOW_INTERVAL_MS / 1000.0 * 0.8)
        self.assertEqual(len(out["pieces"]), SLOW_PIECES)
        for provider in REQUESTS:
            with self.subTest(provider=provider):
                self.call("DELETE", "/_standin/requests")
                connection, response = self.open_stream(provider, "standin-slow")
                response.fp.readline()
                connection.sock.shutdown(socket.SHUT_RDWR)
                connection.close()
                deadline = time.monotonic() + 3
                while time.monotonic() < deadline and not self.log()[0]["client_disconnected"]:
                    time.sleep(0.05)
                self.assertTrue(self.log()[0]["client_disconnected"])

    def test_stall_sends_the_first_piece_then_nothing(self):
        for provider in REQUESTS:
            with self.subTest(provider=provider):
                connection, response = self.open_stream(provider, "standin-stall")
                connection.sock.settimeout(1.0)
                seen = b""
                with self.assertRaises(socket.timeout):
                    while True:
                        line = response.fp.readline()
                        seen += line
                self.assertIn(b"Echo: wh", seen)
                self.assertNotIn(b"hat is t", seen)  # the second piece never comes
                connection.close()

    # ---- the request log

    def test_log_redacts_keys_and_records_requests(self):
        self.call("DELETE", "/_standin/requests")
        for provider in REQUESTS:
            self.answer(provider, stream=True)
        self.call("GET", "/openai/v1/models", {"Authorization": "Bearer not-the-key"})
        status, _, raw = self.call("GET", "/_standin/requests")
        for key in KEYS.values():
            self.assertNotIn(key, raw)
        log = json.loads(raw)
        self.assertEqual([e["provider"] for e in log], ["openai", "anthropic", "gemini", "openai"])
        self.assertEqual(log[0]["headers"]["authorization"], "<redacted:ok>")
        self.assertEqual(log[1]["headers"]["x-api-key"], "<redacted:ok>")
        self.assertEqual(log[1]["headers"]["anthropic-version"], "2023-06-01")
        self.assertEqual(log[2]["headers"]["x-goog-api-key"], "<redacted:ok>")
        self.assertEqual(log[3]["headers"]["authorization"], "<redacted:wrong>")
        self.assertEqual(log[0]["body"]["messages"][1]["content"], QUESTION)
        self.assertEqual(log[2]["model"], "gemini-2.5-flash")
        self.assertEqual(log[2]["query"], {"alt": "sse"})
        self.assertEqual([e["status"] for e in log], [200, 200, 200, 401])
        self.assertFalse(any(e["client_disconnected"] for e in log))
        self.call("DELETE", "/_standin/requests")
        self.assertEqual(self.log(), [])


class LifecycleTest(unittest.TestCase):
    def test_sigterm_stops_it_with_a_stream_held_open(self):
        process, port = start_standin()
        path, headers, body = openai_request("standin-stall", True)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", path, json.dumps(body), dict(headers, **{"content-type": "application/json"}))
        connection.getresponse().fp.readline()
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(timeout=5), 0)
        self.assertLess(time.monotonic() - started, 3)
        connection.close()
        process.stdout.close()

    def test_its_own_log_lines_carry_no_key(self):
        with tempfile.TemporaryFile("w+") as log:
            process, port = start_standin(stderr=log)
            url = "http://127.0.0.1:%d/gemini/v1beta/models?key=%s" % (port, KEYS["gemini"])
            with urllib.request.urlopen(url, timeout=10) as response:
                self.assertEqual(response.status, 200)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
            process.stdout.close()
            log.seek(0)
            lines = log.read()
        self.assertIn("GET /gemini/v1beta/models?key=<redacted>", lines)
        self.assertNotIn(KEYS["gemini"], lines)

    def test_help(self):
        out = subprocess.run([sys.executable, SCRIPT, "--help"], capture_output=True, text=True, check=True).stdout
        for flag in ("--port", "--openai-key", "--anthropic-key", "--gemini-key", "standin-stall"):
            self.assertIn(flag, out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
