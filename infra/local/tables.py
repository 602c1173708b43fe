"""moto's DynamoDB as DynamoDB behaves under concurrent writers.

moto 5's `transact_write_items` backs up every table it touches (a deep copy) and, when one of its
conditions fails, puts those copies back: whatever another request wrote to those tables meanwhile
is undone. The local AWS serves requests on threads, so a book's shard that ended (a transaction:
its item done, its job's counters moved on) while another transaction on the same tables failed
its condition (two workers asking for the same recording section) was lost: its item gone, the
book's counters one short, the book never ended (a CI run's 300,000-word EPUB, 16 of 17 shards
counted). DynamoDB isolates a transaction from every other write; here a backend's item writes
and transactions take one lock, one at a time (reads stay concurrent).

That copy of every table touched also made each transaction cost as much as its tables hold (6.8
ms of CPU at 100 items, 110 ms at 4,000: a stack's jobs table grows with every book's shards). A
transaction here backs up the items it names instead, and puts back those alone when it fails.
"""
from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable

# The backend's methods that write items (PartiQL's too).
WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "execute_statement",
          "execute_transaction", "batch_execute_statement")


def serialized_writes(backend_class, wrapped: dict[str, Callable] | None = None) -> dict[str, Callable]:
    """`backend_class`'s writing methods (each first wrapped by `wrapped`'s decorator of its name,
    if any), each taking one shared lock (re-entrant: a transaction may write through the others)."""
    lock = threading.RLock()

    def serialized(method: Callable) -> Callable:
        @functools.wraps(method)
        def call(*args, **kwargs):
            with lock:
                return method(*args, **kwargs)
        return call

    wrap = wrapped or {}
    return {name: serialized(wrap.get(name, lambda m: m)(getattr(backend_class, name)))
            for name in WRITES if hasattr(backend_class, name)}


_HERE = threading.local()  # set while a transaction runs on this thread: its tables are not copied


def _table_deepcopy(table, memo):
    """A moto Table's deep copy, as copy.deepcopy makes it, but the table itself (no copy) for
    the transaction running on this thread (`item_backups` keeps what it needs)."""
    if getattr(_HERE, "transaction", False):
        return table
    twin = table.__class__.__new__(table.__class__)
    memo[id(table)] = twin
    for name, value in table.__dict__.items():
        setattr(twin, name, copy.deepcopy(value, memo))
    return twin


def _named_items(backend, transact_items: list[dict]) -> list[tuple[str, dict]]:
    """(table, key) of each item a transaction names, as moto finds them."""
    out = []
    for entry in transact_items:
        for op_type, op in entry.items():
            name = op.get("TableName")
            if name not in backend.tables:
                continue
            if op_type == "Put":
                table, attrs = backend.tables[name], op.get("Item") or {}
                key = {k: attrs[k] for k in (table.hash_key_attr, table.range_key_attr) if k and k in attrs}
            else:
                key = op.get("Key") or {}
            out.append((name, key))
    return out


def item_backups(transact_write_items: Callable) -> Callable:
    """moto's transact_write_items backing up the items it names, not their whole tables: on
    failure each is put back as it was (or deleted, when it was not there)."""
    @functools.wraps(transact_write_items)
    def call(self, transact_items, *args, **kwargs):
        before = []
        for name, key in _named_items(self, transact_items):
            try:
                item = self.get_item(name, key)
            except Exception:  # noqa: BLE001 - a key moto refuses: the transaction itself says why
                continue
            before.append((name, key, None if item is None else item.to_json()["Attributes"]))
        _HERE.transaction = True
        try:
            return transact_write_items(self, transact_items, *args, **kwargs)
        except Exception:
            for name, key, attrs in reversed(before):
                if attrs is None:
                    self.delete_item(name, key)
                else:
                    self.put_item(name, attrs)
            raise
        finally:
            _HERE.transaction = False
    return call


def patches() -> list[tuple[type, str, Callable]]:
    """(class, attribute, value) that make moto's DynamoDB behave so (tests apply them one by one)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    writes = serialized_writes(DynamoDBBackend, {"transact_write_items": item_backups})
    return [(Table, "__deepcopy__", _table_deepcopy), *((DynamoDBBackend, name, method) for name, method in writes.items())]


def install() -> None:
    for owner, name, value in patches():
        setattr(owner, name, value)
