import Synchronization

/// Wakes the simulator's worker at once when this process recorded something to deliver,
/// instead of at its next poll. A ring with no one waiting is kept for the next wait.
final class SimulatorDoorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    init() {}

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns after a ring or after `timeout`, whichever comes first.
    func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            // Rings even when cancelled: the waiter below must never be left hanging.
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.ring()
            }
            group.addTask { await self.waitForRing() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForRing() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                // A previous waiter that was never resumed would leak; resume it too.
                if let old = state.waiter { old.resume() }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }
}
