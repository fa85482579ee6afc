"""Sealed values as lib/base/secret.c makes them, from Python through
libsodium (ctypes), for tests and benchmarks that write rows themselves:

    seal_v2(key, plain, ad)   "v2:" + base64(nonce || XChaCha20-Poly1305 of
                              plain with ad), under the key file's subkey
    open_v2(key, sealed, ad)  the plain text, or None
    seal_v1(key, plain)       the form before row binding: base64(nonce ||
                              secretbox of plain under the key itself)

key is the 32 bytes of DATA_DIR/secret.key (read_key). ad names the place:
"printers.access_code_sealed:<id>", "notification_settings.webhook_url:
<printer id>", "outbox.target:<id>", ...

An implementation of its own (not a call into the C code), so a test that
opens what the server sealed also checks the format the docs describe.
"""

import base64
import ctypes
import ctypes.util
from pathlib import Path

_lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if _lib.sodium_init() < 0:
    raise RuntimeError("libsodium failed to initialise")

NPUB = 24      # crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
ABYTES = 16    # crypto_aead_xchacha20poly1305_ietf_ABYTES
SB_NONCE = 24  # crypto_secretbox_NONCEBYTES
SB_MAC = 16    # crypto_secretbox_MACBYTES
KDF_ID = 2
KDF_CONTEXT = b"farmseal"


def read_key(data_dir):
    """The 32-byte sealing key of an install."""
    key = (Path(data_dir) / "secret.key").read_bytes()
    assert len(key) == 32, "secret.key is not a 32-byte key"
    return key


def _subkey(key):
    sub = ctypes.create_string_buffer(32)
    rc = _lib.crypto_kdf_derive_from_key(sub, ctypes.c_size_t(32),
                                         ctypes.c_uint64(KDF_ID),
                                         ctypes.c_char_p(KDF_CONTEXT),
                                         ctypes.c_char_p(key))
    assert rc == 0
    return sub.raw


def _random(n):
    buf = ctypes.create_string_buffer(n)
    _lib.randombytes_buf(buf, ctypes.c_size_t(n))
    return buf.raw


def seal_v2(key, plain, ad):
    m = plain.encode() if isinstance(plain, str) else plain
    a = ad.encode()
    nonce = _random(NPUB)
    out = ctypes.create_string_buffer(len(m) + ABYTES)
    outlen = ctypes.c_ulonglong(0)
    rc = _lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ctypes.byref(outlen), ctypes.c_char_p(m),
        ctypes.c_ulonglong(len(m)), ctypes.c_char_p(a),
        ctypes.c_ulonglong(len(a)), None, ctypes.c_char_p(nonce),
        ctypes.c_char_p(_subkey(key)))
    assert rc == 0
    return "v2:" + base64.b64encode(nonce + out.raw[:outlen.value]).decode()


def open_v2(key, sealed, ad):
    if not sealed or not sealed.startswith("v2:"):
        return None
    try:
        box = base64.b64decode(sealed[3:], validate=True)
    except ValueError:
        return None
    if len(box) < NPUB + ABYTES:
        return None
    a = ad.encode()
    c = box[NPUB:]
    out = ctypes.create_string_buffer(max(len(c) - ABYTES, 1))
    outlen = ctypes.c_ulonglong(0)
    rc = _lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out, ctypes.byref(outlen), None, ctypes.c_char_p(c),
        ctypes.c_ulonglong(len(c)), ctypes.c_char_p(a),
        ctypes.c_ulonglong(len(a)), ctypes.c_char_p(box[:NPUB]),
        ctypes.c_char_p(_subkey(key)))
    if rc != 0:
        return None
    return out.raw[:outlen.value].decode()


def seal_v1(key, plain):
    m = plain.encode() if isinstance(plain, str) else plain
    nonce = _random(SB_NONCE)
    out = ctypes.create_string_buffer(len(m) + SB_MAC)
    rc = _lib.crypto_secretbox_easy(out, ctypes.c_char_p(m),
                                    ctypes.c_ulonglong(len(m)),
                                    ctypes.c_char_p(nonce),
                                    ctypes.c_char_p(key))
    assert rc == 0
    return base64.b64encode(nonce + out.raw).decode()
