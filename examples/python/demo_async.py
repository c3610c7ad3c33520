#!/usr/bin/env python3
"""Demo of aijobs_client.py: several concurrent submits, then one streamed job.

    /usr/bin/python3 examples/python/demo_async.py --provider openrouter \
        --model deepseek/deepseek-chat --count 3

Prints `result N: TEXT` per submitted job, the stream's chunks on stderr, then
`stream result: TEXT`. Exit status 0 when every job answered ok and the streamed text equals the
stream's result, 1 otherwise.
"""

import argparse
import asyncio
import os
import sys

from aijobs_client import AiJobsClient, new_job


def parse_args():
    p = argparse.ArgumentParser(description="aijobs asyncio demo")
    p.add_argument("--url",
                   default=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
    p.add_argument("--provider", default="openrouter")
    p.add_argument("--model", default="deepseek/deepseek-chat")
    p.add_argument("--stream-model", default=None, help="model of the streamed job")
    p.add_argument("--count", type=int, default=3, help="jobs submitted concurrently")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--reply-queue", default="aijobs.example.async-replies")
    p.add_argument("--delete-queue", action="store_true",
                   help="delete the reply queue at the end (for tests)")
    return p.parse_args()


async def main():
    args = parse_args()
    client = await AiJobsClient.connect(
        args.url, args.reply_queue,
        on_unclaimed=lambda r: print(f"unclaimed result {r['id']}", file=sys.stderr))
    ok = True
    try:
        futures = [await client.submit(new_job(args.provider, args.model, f"question {i}",
                                               timeout=args.timeout))
                   for i in range(args.count)]
        for i, result in enumerate(await asyncio.gather(*futures)):
            if result["status"] == "ok":
                print(f"result {i}: {result['completion']['content']}")
            else:
                ok = False
                print(f"result {i}: error {result['error']['code']}")

        text = []

        def on_chunk(chunk):
            text.append(chunk["delta"])
            print(f"chunk {chunk['seq']}: {chunk['delta']!r}", file=sys.stderr)

        result = await client.stream(
            new_job(args.provider, args.stream_model or args.model, "stream please",
                    timeout=args.timeout),
            on_chunk, on_restart=text.clear)
        if result["status"] == "ok":
            content = result["completion"]["content"]
            print(f"stream result: {content}")
            print(f"stream chunks match: {''.join(text) == content}")
            ok = ok and "".join(text) == content
        else:
            ok = False
            print(f"stream result: error {result['error']['code']}")
    finally:
        if args.delete_queue:
            channel = await client._connection.channel()
            await channel.queue_delete(args.reply_queue)
        await client.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
