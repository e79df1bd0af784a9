#if canImport(Glibc)
import Glibc
#endif

/// Whether an idle Redis socket is still usable, asked of the kernel without blocking.
///
/// A Redis that restarted (or whose connection was killed) closed its end of every socket
/// it had; the process on this end learns of it only when it next reads. Writing a command
/// to such a socket usually succeeds, and the read after it fails: the command is lost and
/// its caller gets a connection error for a server that is in fact up again. Asking first,
/// while nothing is in flight, turns that into a reconnect before the write.
package enum RedisSocketHealth {
    /// True when the peer has closed (or reset) the socket `fd`: a read would return end of
    /// file or an error. Data waiting to be read counts as alive (it may be a reply the
    /// caller is about to read); so does "nothing to read yet".
    package static func peerHasClosed(fd: Int32) -> Bool {
        guard fd >= 0 else { return true }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n > 0 { return false }
        if n == 0 { return true }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR: return false
        default: return true
        }
    }
}
