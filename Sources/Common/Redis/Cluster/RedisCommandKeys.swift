/// Where the keys of a command are, for the commands Junction (and its tests) send: what
/// a Redis Cluster client needs to route each command to the node that owns its slot.
///
/// A command not listed here is refused on a cluster (`isKnown` is false): routing it by
/// a guess could send it to the wrong node, or split a script's keys silently.
package enum RedisCommandKeys {
    private enum Shape {
        /// No key: any node may answer.
        case keyless
        /// The key is argument 1.
        case first
        /// Every argument from 1 on is a key.
        case all
        /// Arguments 1, 3, 5, … are keys (`MSET k v k v`).
        case pairs
        /// Arguments from 1 up to the last (a timeout) are keys (`BZPOPMIN k… timeout`).
        case allButLast
        /// The key is argument 2 (`XGROUP CREATE key …`, `XINFO STREAM key`, `OBJECT ENCODING key`).
        case second
        /// Argument 2 counts the keys that follow it (`EVAL script n k…`).
        case counted
        /// After `STREAMS`, the first half of what follows (`XREAD … STREAMS k… id…`).
        case streams
    }

    private static let table: [String: Shape] = {
        var t: [String: Shape] = [:]
        for name in ["PING", "INFO", "CLUSTER", "ASKING", "SELECT", "SCRIPT", "TIME", "FLUSHALL", "FLUSHDB", "DBSIZE", "CLIENT",
                     "CONFIG", "AUTH", "HELLO", "ECHO", "READONLY", "READWRITE", "ROLE", "COMMAND", "DEBUG", "KEYS", "SCAN",
                     "RANDOMKEY", "LASTSAVE", "MEMORY", "SLOWLOG", "WAIT", "QUIT", "RESET"] { t[name] = .keyless }
        for name in ["GET", "SET", "SETNX", "SETEX", "PSETEX", "GETDEL", "GETEX", "GETSET", "APPEND", "STRLEN", "INCR", "INCRBY",
                     "INCRBYFLOAT", "DECR", "DECRBY", "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "PERSIST", "TTL", "PTTL",
                     "TYPE", "DUMP", "RESTORE",
                     "HSET", "HSETNX", "HMSET", "HGET", "HMGET", "HGETALL", "HDEL", "HEXISTS", "HINCRBY", "HINCRBYFLOAT",
                     "HKEYS", "HVALS", "HLEN", "HSCAN",
                     "SADD", "SREM", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SPOP", "SRANDMEMBER", "SSCAN",
                     "ZADD", "ZREM", "ZCARD", "ZSCORE", "ZMSCORE", "ZRANK", "ZREVRANK", "ZINCRBY", "ZRANGE", "ZREVRANGE",
                     "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZREMRANGEBYSCORE", "ZREMRANGEBYRANK", "ZCOUNT", "ZPOPMIN",
                     "ZPOPMAX", "ZSCAN",
                     "LPUSH", "RPUSH", "LPOP", "RPOP", "LLEN", "LRANGE", "LTRIM", "LINDEX", "LREM",
                     "XADD", "XACK", "XDEL", "XLEN", "XRANGE", "XREVRANGE", "XTRIM", "XPENDING", "XCLAIM", "XAUTOCLAIM",
                     "XSETID", "PUBLISH", "SPUBLISH"] { t[name] = .first }
        for name in ["DEL", "UNLINK", "EXISTS", "TOUCH", "MGET", "WATCH", "SUBSCRIBE", "SSUBSCRIBE"] { t[name] = .all }
        t["MSET"] = .pairs
        t["MSETNX"] = .pairs
        for name in ["BZPOPMIN", "BZPOPMAX", "BLPOP", "BRPOP"] { t[name] = .allButLast }
        for name in ["XGROUP", "XINFO", "OBJECT"] { t[name] = .second }
        for name in ["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"] { t[name] = .counted }
        for name in ["XREAD", "XREADGROUP"] { t[name] = .streams }
        return t
    }()

    /// Whether the table knows `command`'s name.
    package static func isKnown(_ command: [String]) -> Bool {
        guard let name = command.first else { return false }
        return table[name.uppercased()] != nil
    }

    /// The keys of `command`, in order (empty for a command without keys); an error for a
    /// command the table does not know or whose arguments do not have its shape.
    package static func keys(of command: [String]) throws -> [String] {
        guard let name = command.first?.uppercased(), let shape = table[name] else {
            throw RedisError(kind: .server, message: "ERR junction: \(command.first ?? "(empty)") is not in the Redis Cluster routing table (RedisCommandKeys)")
        }
        let args = command.dropFirst()
        switch shape {
        case .keyless:
            // XGROUP HELP / XINFO HELP and subcommand-only forms have no key either.
            return []
        case .first:
            return args.first.map { [$0] } ?? []
        case .all:
            return Array(args)
        case .pairs:
            return args.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        case .allButLast:
            return Array(args.dropLast())
        case .second:
            guard command.count > 2, command[1].uppercased() != "HELP" else { return [] }
            return [command[2]]
        case .counted:
            guard command.count > 2, let n = Int(command[2]), n >= 0, command.count >= 3 + n else {
                throw RedisError(kind: .server, message: "ERR junction: \(name) without a valid key count")
            }
            return Array(command[3..<(3 + n)])
        case .streams:
            guard let at = command.firstIndex(where: { $0.uppercased() == "STREAMS" }) else {
                throw RedisError(kind: .server, message: "ERR junction: \(name) without STREAMS")
            }
            let rest = command[(at + 1)...]
            guard rest.count.isMultiple(of: 2), !rest.isEmpty else {
                throw RedisError(kind: .server, message: "ERR junction: \(name) STREAMS needs as many ids as keys")
            }
            return Array(rest.prefix(rest.count / 2))
        }
    }
}
