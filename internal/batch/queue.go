package batch

import "sync"

// queue is a bounded FIFO ring, allocated once. When it is full, put
// refuses the new item (the caller counts it as dropped): what is queued
// was there first and is no less worth exporting.
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	head   int // index of the oldest item
	n      int
	closed bool
	// signalled is set when put reported a full batch and cleared when the
	// worker takes items, so that a busy worker is signalled once, not on
	// every put.
	signalled bool
}

func newQueue[T any](size int) *queue[T] {
	return &queue[T]{items: make([]T, size)}
}

// putResult says what put did with an item.
type putResult uint8

const (
	putQueued     putResult = iota // queued
	putBatchReady                  // queued, and a full batch is waiting: wake the worker
	putFull                        // refused: the queue is full
	putClosed                      // refused: the processor is shut down
)

// put appends item unless the queue is full or closed. batch is the export
// batch size: reaching it asks for a wake-up.
func (q *queue[T]) put(item T, batch int) putResult {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return putClosed
	}
	if q.n == len(q.items) {
		q.mu.Unlock()
		return putFull
	}
	i := q.head + q.n
	if i >= len(q.items) {
		i -= len(q.items)
	}
	q.items[i] = item
	q.n++
	res := putQueued
	if q.n >= batch && !q.signalled {
		q.signalled = true
		res = putBatchReady
	}
	q.mu.Unlock()
	return res
}

// take moves up to max of the oldest items into buf (appending) and clears
// their slots so that the queue does not keep them alive.
func (q *queue[T]) take(buf []T, max int) []T {
	var zero T
	q.mu.Lock()
	defer q.mu.Unlock()
	k := min(max, q.n)
	for range k {
		buf = append(buf, q.items[q.head])
		q.items[q.head] = zero
		if q.head++; q.head == len(q.items) {
			q.head = 0
		}
	}
	q.n -= k
	q.signalled = false
	return buf
}

// len returns the number of queued items.
func (q *queue[T]) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

// close makes put refuse every later item.
func (q *queue[T]) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}

// discard empties the queue and returns how many items it held.
func (q *queue[T]) discard() int {
	var zero T
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.n
	for ; q.n > 0; q.n-- {
		q.items[q.head] = zero
		if q.head++; q.head == len(q.items) {
			q.head = 0
		}
	}
	return n
}
