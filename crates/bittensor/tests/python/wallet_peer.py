#!/usr/bin/env python3
"""The real Python wallet (PyPI bittensor-wallet), driven by the Rust interop tests.

  wallet_peer.py create DIR NAME HOTKEY PASSWORD      -> writes a wallet, prints JSON
  wallet_peer.py load DIR NAME HOTKEY PASSWORD MSG SIG -> reads a wallet, checks SIG, prints JSON
"""
import json
import sys

from bittensor_wallet import Keypair, Wallet


def create(path, name, hotkey, password):
    wallet = Wallet(name=name, hotkey=hotkey, path=path)
    cold = Keypair.create_from_mnemonic(Keypair.generate_mnemonic(12))
    hot = Keypair.create_from_mnemonic(Keypair.generate_mnemonic(12))
    wallet.set_coldkey(cold, encrypt=True, overwrite=True, coldkey_password=password)
    wallet.set_coldkeypub(cold, overwrite=True)
    wallet.set_hotkey(hot, encrypt=False, overwrite=True)
    wallet.set_hotkeypub(hot, overwrite=True)
    signature = hot.sign(b"signed in python")
    print(json.dumps({"coldkey": cold.ss58_address, "hotkey": hot.ss58_address, "signature": signature.hex()}))


def load(path, name, hotkey, password, message_hex, signature_hex):
    wallet = Wallet(name=name, hotkey=hotkey, path=path)
    cold = wallet.get_coldkey(password=password)
    hot = wallet.get_hotkey()
    verified = cold.verify(bytes.fromhex(message_hex), bytes.fromhex(signature_hex))
    signature = hot.sign(b"signed in python")
    print(json.dumps({
        "coldkeypub": wallet.get_coldkeypub().ss58_address,
        "coldkey": cold.ss58_address,
        "hotkey": hot.ss58_address,
        "verified": verified,
        "signature": signature.hex(),
    }))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"create": create, "load": load}[command](*args)
