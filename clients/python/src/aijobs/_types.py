"""Values the client hands out: results, errors, usage and stream events (wire contract v1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional


class JobError(Exception):
    """A job ended with an error result (raised by the OpenAI-style facade only; `submit` returns
    the error as a value). `code` is one of the contract's error codes."""

    def __init__(self, error: "Error", result: Optional["Result"] = None) -> None:
        super().__init__(f"{error.code}: {error.message}")
        self.code: str = error.code
        self.message: str = error.message
        self.retryable: bool = error.retryable
        self.http_status: Optional[int] = error.http_status
        self.result: Optional[Result] = result


class JobTimeout(Exception):
    """No result came by the job's deadline plus the client's grace period."""

    def __init__(self, job_id: str, waited: float) -> None:
        super().__init__(f"no result for job {job_id} within {waited:.1f} s")
        self.job_id = job_id


class PublishError(Exception):
    """The broker refused the job (nack) or it could not be published (connection lost)."""


class ClientClosed(Exception):
    """The client was closed while the job was pending; its result stays in the reply queue."""


@dataclass(frozen=True)
class Error:
    code: str
    message: str
    retryable: bool = False
    http_status: Optional[int] = None

    @classmethod
    def from_json(cls, e: Mapping[str, Any]) -> "Error":
        return cls(
            code=str(e.get("code") or "internal"),
            message=str(e.get("message") or ""),
            retryable=bool(e.get("retryable", False)),
            http_status=e.get("http_status"),
        )


@dataclass(frozen=True)
class Usage:
    prompt_tokens: Optional[int] = None
    completion_tokens: Optional[int] = None
    total_tokens: Optional[int] = None
    cached_tokens: Optional[int] = None
    reasoning_tokens: Optional[int] = None
    cost: Optional[float] = None

    @classmethod
    def from_json(cls, u: Optional[Mapping[str, Any]]) -> "Usage":
        if not u:
            return cls()
        return cls(
            prompt_tokens=u.get("prompt_tokens"),
            completion_tokens=u.get("completion_tokens"),
            total_tokens=u.get("total_tokens"),
            cached_tokens=u.get("cached_tokens"),
            reasoning_tokens=u.get("reasoning_tokens"),
            cost=u.get("cost"),
        )


@dataclass(frozen=True)
class Result:
    """A job's result. `ok` results have `content` (and maybe `tool_calls`, `reasoning`);
    error results have `error`. `raw` is the result JSON as received."""

    id: str
    ok: bool
    content: Optional[str]
    error: Optional[Error]
    usage: Usage
    tool_calls: List[Dict[str, Any]] = field(default_factory=list)
    reasoning: Optional[str] = None
    finish_reason: Optional[str] = None
    provider: Optional[str] = None
    model: Optional[str] = None
    route: Optional[str] = None
    meta: Any = None
    raw: Dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "ok" if self.ok else "error"

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> "Result":
        completion = body.get("completion") or None
        err = body.get("error") or None
        ok = body.get("status") == "ok" and completion is not None
        if ok:
            assert completion is not None
            return cls(
                id=str(body.get("id")),
                ok=True,
                content=completion.get("content") or "",
                error=None,
                usage=Usage.from_json(completion.get("usage")),
                tool_calls=list(completion.get("tool_calls") or []),
                reasoning=completion.get("reasoning"),
                finish_reason=completion.get("finish_reason"),
                provider=completion.get("provider"),
                model=completion.get("model"),
                route=body.get("route"),
                meta=body.get("meta"),
                raw=dict(body),
            )
        return cls(
            id=str(body.get("id")),
            ok=False,
            content=None,
            error=Error.from_json(err or {"code": "internal", "message": "result without error"}),
            usage=Usage(),
            route=body.get("route"),
            meta=body.get("meta"),
            raw=dict(body),
        )

    @classmethod
    def failed(cls, job_id: str, code: str, message: str, meta: Any = None) -> "Result":
        """An error result made by the client itself (e.g. a job the broker returned)."""
        return cls.from_json({"v": 1, "id": job_id, "type": "result", "status": "error",
                              "completion": None, "route": None, "meta": meta,
                              "error": {"code": code, "message": message, "http_status": None,
                                        "retryable": False}})


@dataclass(frozen=True)
class StreamEvent:
    """One stream chunk, in order. On `restart`, drop the text (and reasoning) shown so far
    before appending `delta`. `text` is the content so far with this chunk applied."""

    seq: int
    delta: str
    restart: bool
    reasoning: Optional[str]
    text: str
