"""aijobs: an asyncio client for aijobs (AI jobs over RabbitMQ, wire contract v1).

    import aijobs

    async with aijobs.Client("amqp://guest:guest@localhost/", reply_queue="bot-1.replies") as c:
        r = await c.submit(provider="openrouter", model="deepseek/deepseek-chat",
                           messages=[{"role": "user", "content": "hi"}], timeout=60)
        print(r.content if r.ok else r.error.code)
"""

from ._openai import (ChatCompletion, ChatCompletionChunk, ChatMessage, Choice, ChunkChoice,
                      ChunkStream, Delta)
from ._types import (ClientClosed, Error, JobError, JobTimeout, PublishError, Result,
                     StreamEvent, Usage)
from .client import JOBS_EXCHANGE, Client, Stream, throttled

__version__ = "0.1.0"

__all__ = [
    "Client", "Stream", "throttled", "JOBS_EXCHANGE",
    "Result", "Error", "Usage", "StreamEvent",
    "JobError", "JobTimeout", "PublishError", "ClientClosed",
    "ChatCompletion", "ChatCompletionChunk", "ChatMessage", "Choice", "ChunkChoice",
    "ChunkStream", "Delta",
]
