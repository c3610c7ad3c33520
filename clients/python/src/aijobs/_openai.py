"""An OpenAI-SDK-shaped facade: `client.chat.completions.create(...)`, returning objects shaped
like the openai package's (choices[0].message.content, usage, ...). Unlike `Client.submit`, it
raises JobError for an error result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import (TYPE_CHECKING, Any, AsyncIterator, Dict, List, Mapping, Optional, Sequence,
                    Union)

from ._types import JobError, Result, Usage

if TYPE_CHECKING:
    from .client import Client, Stream


@dataclass(frozen=True)
class ChatMessage:
    role: str
    content: Optional[str]
    tool_calls: List[Dict[str, Any]] = field(default_factory=list)
    reasoning: Optional[str] = None


@dataclass(frozen=True)
class Choice:
    index: int
    message: ChatMessage
    finish_reason: Optional[str]


@dataclass(frozen=True)
class ChatCompletion:
    id: str
    model: Optional[str]
    provider: Optional[str]
    choices: List[Choice]
    usage: Usage
    result: Result

    @classmethod
    def from_result(cls, r: Result) -> "ChatCompletion":
        message = ChatMessage(role="assistant", content=r.content, tool_calls=r.tool_calls,
                              reasoning=r.reasoning)
        return cls(id=r.id, model=r.model, provider=r.provider,
                   choices=[Choice(0, message, r.finish_reason)], usage=r.usage, result=r)


@dataclass(frozen=True)
class Delta:
    content: str
    reasoning: Optional[str] = None
    role: Optional[str] = None


@dataclass(frozen=True)
class ChunkChoice:
    index: int
    delta: Delta
    finish_reason: Optional[str] = None


@dataclass(frozen=True)
class ChatCompletionChunk:
    """One streamed piece. `restart` True: drop the text shown so far, then append
    `choices[0].delta.content`. The last chunk has a `finish_reason` and `usage`."""

    id: str
    choices: List[ChunkChoice]
    restart: bool = False
    usage: Optional[Usage] = None


class ChunkStream:
    """`async for chunk in stream`; raises JobError (or JobTimeout) when the job failed.
    `result` holds the final Result afterwards."""

    def __init__(self, stream: "Stream") -> None:
        self._stream = stream
        self.result: Optional[Result] = None

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[ChatCompletionChunk]:
        async with self._stream as s:
            first = True
            async for ev in s:
                yield ChatCompletionChunk(
                    id=s.id, restart=ev.restart,
                    choices=[ChunkChoice(0, Delta(ev.delta, ev.reasoning,
                                                  "assistant" if first else None))])
                first = False
            r = s.result
            assert r is not None
            self.result = r
            if not r.ok:
                assert r.error is not None
                raise JobError(r.error, r)
            yield ChatCompletionChunk(id=s.id, usage=r.usage,
                                      choices=[ChunkChoice(0, Delta(""), r.finish_reason)])


class Completions:
    def __init__(self, client: "Client") -> None:
        self._client = client

    async def create(self, *, provider: str, model: str, messages: Sequence[Mapping[str, Any]],
                     stream: bool = False, timeout: Optional[float] = None, meta: Any = None,
                     fallbacks: Sequence[Mapping[str, str]] = (),
                     params: Optional[Mapping[str, Any]] = None,
                     **kwargs: Any) -> Union[ChatCompletion, ChunkStream]:
        """Like openai's `chat.completions.create`, plus `provider`. Further keyword arguments
        (temperature, max_tokens, tools, ...) go into the job's params. With `stream=True`
        returns an async iterator of ChatCompletionChunk. Raises JobError for an error result,
        JobTimeout when none came in time."""
        all_params: Dict[str, Any] = dict(params or {})
        all_params.update(kwargs)
        if stream:
            return ChunkStream(self._client.stream(provider, model, messages,
                                                   params=all_params or None, timeout=timeout,
                                                   meta=meta, fallbacks=fallbacks))
        r = await self._client.submit(provider, model, messages, params=all_params or None,
                                      timeout=timeout, meta=meta, fallbacks=fallbacks)
        if not r.ok:
            assert r.error is not None
            raise JobError(r.error, r)
        return ChatCompletion.from_result(r)


class Chat:
    def __init__(self, client: "Client") -> None:
        self.completions = Completions(client)
