"""Fixtures for the aijobs package tests. They run against a real broker and a real worker whose
provider is served by the mock upstream (see worker/src/test/java/dev/aijobs/sdk/it/
PythonPackageIT.java, which starts both and runs this suite):

    AIJOBS_TEST_AMQP_URL   the broker (default amqp://guest:guest@127.0.0.1:5672/%2F)
    AIJOBS_TEST_PROVIDER   the provider id the worker serves with the mock upstream (default mock)
"""

import os
import sys
import uuid
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable, List

import aio_pika
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import aijobs  # noqa: E402


@pytest.fixture
def url() -> str:
    return os.environ.get("AIJOBS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture
def provider() -> str:
    return os.environ.get("AIJOBS_TEST_PROVIDER", "mock")


def unique(prefix: str) -> str:
    return f"aijobs.pytest.{prefix}.{uuid.uuid4()}"


@pytest.fixture
async def cleanup(url: str) -> AsyncIterator[List[str]]:
    """Names to delete at the end: queues, and exchanges as 'x:NAME'."""
    names: List[str] = []
    yield names
    connection = await aio_pika.connect(url)
    try:
        for name in names:
            channel = await connection.channel()
            try:
                if name.startswith("x:"):
                    await channel.exchange_delete(name[2:])
                else:
                    await channel.queue_delete(name)
            except Exception:
                pass
            finally:
                if not channel.is_closed:
                    await channel.close()
    finally:
        await connection.close()


@pytest.fixture
async def make_client(url: str, cleanup: List[str]) -> AsyncIterator[Callable[..., Awaitable[aijobs.Client]]]:
    """Connected clients on unique reply queues (deleted at the end; x-expires as a backstop)."""
    clients: List[aijobs.Client] = []

    async def make(reply_queue: str = "", **kwargs: object) -> aijobs.Client:
        queue = reply_queue or unique("replies")
        if queue not in cleanup:
            cleanup.append(queue)
        kwargs.setdefault("expires", 300)
        client = aijobs.Client(url, reply_queue=queue, **kwargs)  # type: ignore[arg-type]
        await client.connect()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: Callable[..., Awaitable[aijobs.Client]]) -> aijobs.Client:
    return await make_client()
