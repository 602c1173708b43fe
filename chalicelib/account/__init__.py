"""Accounts people run themselves (CONTRACTS section 12): the password (change, reset by mail),
email verification, sessions ended everywhere, an export of everything, deleting it all, and
"delete my files after N days".

What may take long or must not be seen to happen (sending a reset mail, building an export,
erasing an account's files) is handed to the worker side through a queue (`tasks`): the API
answers at once, the same way whether or not an address has an account.
"""
