/// Decides which sandbox host process a run goes to.
///
/// V8 aborts a whole host process when one isolate goes over its heap limit, so a host
/// serves one owner at a time: while it has runs, only that owner's runs join it; once it
/// is idle, any owner may take it. Waiting runs are served strictly in arrival order, and
/// a run that cannot be placed holds back everyone behind it: while another owner waits,
/// the owners that hold hosts get no new runs there, so each host drains and passes to the
/// next owner in line (nobody starves). A host is never split between owners.
///
/// Pure state, no I/O: `SandboxPool` performs what it decides.
package struct SandboxScheduler: Sendable, Equatable {
    /// A waiting run that now has a host.
    package struct Grant: Sendable, Equatable {
        package var ticket: Int
        package var host: Int
    }

    private struct Host: Sendable, Equatable {
        var owner: String?
        var active = 0
        /// A run that must be alone in its host (a run again after its host crashed).
        var exclusive = false
    }

    private struct Waiter: Sendable, Equatable {
        var ticket: Int
        var owner: String
        var exclusive: Bool
    }

    private var hosts: [Host]
    private var waiting: [Waiter] = []
    private let capacity: Int
    private var nextTicket = 0
    private var rotation = 0

    /// `hosts` processes of `capacity` concurrent runs each.
    package init(hosts: Int, capacity: Int) {
        self.hosts = Array(repeating: Host(), count: max(1, hosts))
        self.capacity = max(1, capacity)
    }

    /// Runs waiting for a host.
    package var waitingCount: Int { waiting.count }

    /// The owner a host currently serves (nil when idle).
    package func owner(ofHost index: Int) -> String? {
        hosts[index].active > 0 ? hosts[index].owner : nil
    }

    /// Runs in flight on a host.
    package func active(onHost index: Int) -> Int { hosts[index].active }

    /// Asks for a place for one run of `owner`. Returns its ticket, and its host when one
    /// is free for it now; otherwise the run waits for a `Grant` with that ticket.
    package mutating func request(owner: String, exclusive: Bool = false) -> (ticket: Int, host: Int?) {
        nextTicket += 1
        let waiter = Waiter(ticket: nextTicket, owner: owner, exclusive: exclusive)
        if waiting.isEmpty, let host = place(waiter) { return (waiter.ticket, host) }
        waiting.append(waiter)
        return (waiter.ticket, nil)
    }

    /// A run on `host` ended; returns the waiting runs that have a host now.
    package mutating func release(host index: Int) -> [Grant] {
        precondition(hosts[index].active > 0, "release of an idle sandbox host")
        hosts[index].active -= 1
        if hosts[index].active == 0 { hosts[index].exclusive = false }
        return dispatch()
    }

    /// A waiting run gave up (cancelled, or out of time). Returns false when it was not
    /// waiting (it already has a host), and the runs its leaving lets through.
    package mutating func withdraw(ticket: Int) -> (withdrawn: Bool, grants: [Grant]) {
        guard let i = waiting.firstIndex(where: { $0.ticket == ticket }) else { return (false, []) }
        waiting.remove(at: i)
        return (true, dispatch())
    }

    /// Places waiting runs in arrival order until one cannot be placed.
    private mutating func dispatch() -> [Grant] {
        var grants: [Grant] = []
        while let head = waiting.first, let host = place(head) {
            waiting.removeFirst()
            grants.append(Grant(ticket: head.ticket, host: host))
        }
        return grants
    }

    /// A host for `waiter`, taken; nil when none can have it.
    private mutating func place(_ waiter: Waiter) -> Int? {
        var chosen: Int?
        if !waiter.exclusive {
            // A host this owner already holds, with room: the least busy one.
            for (i, h) in hosts.enumerated()
            where h.active > 0 && h.owner == waiter.owner && !h.exclusive && h.active < capacity {
                if chosen == nil || h.active < hosts[chosen!].active { chosen = i }
            }
        }
        if chosen == nil {
            // An idle host, in rotation: back-to-back runs alternate, which gives each host
            // time to boot its next spare isolate.
            for k in 0..<hosts.count {
                let i = (rotation + k) % hosts.count
                if hosts[i].active == 0 {
                    chosen = i
                    rotation = (i + 1) % hosts.count
                    break
                }
            }
        }
        guard let i = chosen else { return nil }
        if hosts[i].active == 0 {
            hosts[i].owner = waiter.owner
            hosts[i].exclusive = waiter.exclusive
        }
        hosts[i].active += 1
        return i
    }
}
