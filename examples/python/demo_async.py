#!/usr/bin/env python3
"""Demo of the aijobs package (clients/python): several concurrent submits, then one streamed job.

    PYTHONPATH=clients/python/src /usr/bin/python3 examples/python/demo_async.py \
        --provider openrouter --model deepseek/deepseek-chat --count 3

(or `pip install ./clients/python` first). Prints `result N: TEXT` per submitted job, the
stream's chunks on stderr, then `stream result: TEXT`. Exit status 0 when every job answered ok
and the streamed text equals the stream's result, 1 otherwise.
"""

import argparse
import asyncio
import os
import sys

import aijobs


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
    p.add_argument("--expires", type=float, default=None,
                   help="seconds without a consumer after which the broker deletes the queue")
    return p.parse_args()


async def main():
    args = parse_args()
    ok = True
    async with aijobs.Client(
            args.url, reply_queue=args.reply_queue, expires=args.expires,
            on_unclaimed=lambda r: print(f"unclaimed result {r.id}", file=sys.stderr)) as client:
        results = await asyncio.gather(*(
            client.submit(provider=args.provider, model=args.model,
                          messages=[{"role": "user", "content": f"question {i}"}],
                          timeout=args.timeout)
            for i in range(args.count)))
        for i, r in enumerate(results):
            if r.ok:
                print(f"result {i}: {r.content}")
            else:
                ok = False
                print(f"result {i}: error {r.error.code}")

        text = ""
        async with client.stream(provider=args.provider, model=args.stream_model or args.model,
                                 messages=[{"role": "user", "content": "stream please"}],
                                 timeout=args.timeout) as s:
            async for ev in s:
                text = ev.delta if ev.restart else text + ev.delta
                print(f"chunk {ev.seq}: {ev.delta!r}", file=sys.stderr)
        r = s.result
        if r.ok:
            print(f"stream result: {r.content}")
            print(f"stream chunks match: {text == r.content}")
            ok = ok and text == r.content
        else:
            ok = False
            print(f"stream result: error {r.error.code}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
