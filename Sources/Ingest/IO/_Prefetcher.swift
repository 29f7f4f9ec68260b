import Glibc

/// Runs `_ChunkSource.fill` (read + decompress) on a dedicated background thread, one chunk
/// ahead of the caller, so decompressing chunk k+1 overlaps with framing and parsing chunk k.
///
/// ### Hand-off
///
///     producer thread:  take free buffer -> source.fill -> push to `full`   (blocks when no free buffer)
///     caller thread:    pop `full` -> frame + body -> recycle to `free`     (blocks when nothing full)
///
/// A fixed ring of `bufferCount` (3) buffers of `chunkBytes` each is recycled, so memory is flat
/// whatever the file size. Chunks arrive in order. The producer is a plain POSIX thread, not a
/// Swift concurrency pool thread: it blocks in `read` and in long C calls, which must not starve
/// the cooperative pool (SWIFT-PERF.md §8).
///
/// ### Why not cut chunks at the last newline here
/// The framer already carries a chunk's unfinished tail over (copying only that tail, never
/// rescanning it), so the producer does not need to search for newlines at all; the consumer is
/// the only one that reads the decoded bytes.
///
/// ### Thread safety
/// `source` belongs to the producer thread from `start()` until `join()` returns; the caller reads
/// its end state only after `join()` (which orders the accesses). The queues are guarded by a mutex.
final class _Prefetcher: @unchecked Sendable {
    struct Item {
        var index: Int
        var count: Int
        var last: Bool
    }

    private let source: _ChunkSource
    private let buffers: [UnsafeMutableRawBufferPointer]
    private var free: [Int]
    private var full: [Item] = []
    private var cancelled = false
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let notEmpty: UnsafeMutablePointer<pthread_cond_t>
    private let notFull: UnsafeMutablePointer<pthread_cond_t>
    private var thread = pthread_t()
    private var running = false

    init(source: _ChunkSource, chunkBytes: Int, bufferCount: Int = 3) {
        self.source = source
        buffers = (0..<bufferCount).map { _ in
            UnsafeMutableRawBufferPointer.allocate(byteCount: chunkBytes, alignment: 64)
        }
        free = Array((0..<bufferCount).reversed())
        mutex = .allocate(capacity: 1)
        notEmpty = .allocate(capacity: 1)
        notFull = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        precondition(!running, "_Prefetcher released without join()")
        for b in buffers { b.deallocate() }
        pthread_mutex_destroy(mutex)
        pthread_cond_destroy(notEmpty)
        pthread_cond_destroy(notFull)
        mutex.deallocate()
        notEmpty.deallocate()
        notFull.deallocate()
    }

    /// Starts the producer thread.
    /// - Returns: false when the thread could not be created (the caller then reads inline).
    func start() -> Bool {
        let context = Unmanaged.passUnretained(self).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { context in
                let me = Unmanaged<_Prefetcher>.fromOpaque(context!).takeUnretainedValue()
                me.produce()
                return nil
            }, context)
        running = rc == 0
        return running
    }

    private func produce() {
        while true {
            pthread_mutex_lock(mutex)
            while free.isEmpty && !cancelled { pthread_cond_wait(notFull, mutex) }
            if cancelled {
                pthread_mutex_unlock(mutex)
                return
            }
            let index = free.removeLast()
            pthread_mutex_unlock(mutex)

            let count = source.fill(buffers[index])
            let last = source.finished

            pthread_mutex_lock(mutex)
            full.append(Item(index: index, count: count, last: last))
            pthread_cond_signal(notEmpty)
            pthread_mutex_unlock(mutex)
            if last { return }
        }
    }

    /// The next decoded chunk, in order; blocks until the producer has one.
    /// Hand the item back with `recycle` once its bytes are no longer needed.
    func next() -> (item: Item, bytes: UnsafeRawBufferPointer) {
        pthread_mutex_lock(mutex)
        while full.isEmpty { pthread_cond_wait(notEmpty, mutex) }
        let item = full.removeFirst()
        pthread_mutex_unlock(mutex)
        let b = buffers[item.index]
        return (item, UnsafeRawBufferPointer(start: b.baseAddress, count: item.count))
    }

    func recycle(_ item: Item) {
        pthread_mutex_lock(mutex)
        free.append(item.index)
        pthread_cond_signal(notFull)
        pthread_mutex_unlock(mutex)
    }

    /// Asks the producer to stop after its current chunk (the caller stopped early).
    func cancel() {
        pthread_mutex_lock(mutex)
        cancelled = true
        pthread_cond_signal(notFull)
        pthread_mutex_unlock(mutex)
    }

    /// Waits for the producer thread to end. Call `cancel()` first unless the last item was seen.
    func join() {
        guard running else { return }
        pthread_join(thread, nil)
        running = false
    }
}
