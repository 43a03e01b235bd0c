"""A backstop for query workers: once called, the process can no longer open IPv4 or IPv6 sockets.

A seccomp filter makes socket(AF_INET | AF_INET6, ...) fail with EPERM; local pipes and Unix
sockets keep working. Linux on x86-64 and arm64 only; elsewhere the call reports it did nothing.
"""

import ctypes
import platform
import struct

_NO_NEW_PRIVS, _SET_SECCOMP, _MODE_FILTER = 38, 22, 2
_ALLOW, _ERRNO_EPERM = 0x7FFF0000, 0x00050000 | 1
_LOAD_WORD, _JUMP_IF_EQUAL, _RETURN = 0x20, 0x15, 0x06
# audit architecture and the number of socket(2) on it
_ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198), "arm64": (0xC00000B7, 198)}
_AF_INET, _AF_INET6 = 2, 10


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _op(code: int, if_true: int, if_false: int, value: int) -> bytes:
    return struct.pack("=HBBI", code, if_true, if_false, value)


def _program(arch: int, socket_call: int) -> bytes:
    """seccomp_data: nr at 0, arch at 4, args[0] (low word) at 16; jumps count the ops skipped."""
    return b"".join(
        [
            _op(_LOAD_WORD, 0, 0, 4),
            _op(_JUMP_IF_EQUAL, 0, 5, arch),
            _op(_LOAD_WORD, 0, 0, 0),
            _op(_JUMP_IF_EQUAL, 0, 3, socket_call),
            _op(_LOAD_WORD, 0, 0, 16),
            _op(_JUMP_IF_EQUAL, 2, 0, _AF_INET),
            _op(_JUMP_IF_EQUAL, 1, 0, _AF_INET6),
            _op(_RETURN, 0, 0, _ALLOW),
            _op(_RETURN, 0, 0, _ERRNO_EPERM),
        ]
    )


def forbid_internet_sockets() -> bool:
    """Install the filter on this process (before it starts threads); False where that is not possible."""
    machine = platform.machine()
    if platform.system() != "Linux" or machine not in _ARCHES:
        return False
    code = ctypes.create_string_buffer(_program(*_ARCHES[machine]))
    program = _Program(len(code.raw) // 8, ctypes.cast(code, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return bool(libc.prctl(_SET_SECCOMP, _MODE_FILTER, ctypes.byref(program), 0, 0) == 0)
