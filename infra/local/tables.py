"""moto's DynamoDB as DynamoDB behaves under concurrent writers.

moto 5's `transact_write_items` backs up every table it touches (a deep copy) and, when one of its
conditions fails, puts those copies back: whatever another request wrote to those tables meanwhile
is undone. The local AWS serves requests on threads, so a book's shard that ended (a transaction:
its item done, its job's counters moved on) while another transaction on the same tables failed
its condition (two workers asking for the same recording section) was lost: its item gone, the
book's counters one short, the book never ended (a CI run's 300,000-word EPUB, 16 of 17 shards
counted). DynamoDB isolates a transaction from every other write; here a backend's item writes
and transactions take one lock, one at a time (reads stay concurrent).
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable

# The backend's methods that write items (PartiQL's too).
WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "execute_statement",
          "execute_transaction", "batch_execute_statement")


def serialized_writes(backend_class) -> dict[str, Callable]:
    """`backend_class`'s writing methods, each taking one shared lock (re-entrant: a transaction
    may write through the others)."""
    lock = threading.RLock()

    def serialized(method: Callable) -> Callable:
        @functools.wraps(method)
        def call(*args, **kwargs):
            with lock:
                return method(*args, **kwargs)
        return call

    return {name: serialized(getattr(backend_class, name)) for name in WRITES if hasattr(backend_class, name)}


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name, method in serialized_writes(DynamoDBBackend).items():
        setattr(DynamoDBBackend, name, method)
