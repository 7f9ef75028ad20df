// Package coherence is the test harness that runs application instances
// side by side over one session store, as a deployment does, and counts
// what a deployment must never see: a write acknowledged by one instance
// and not seen by another, an acknowledged write undone, a session served
// after its deletion or its move, a session that vanishes.
//
// A test starts the instances (each with a store, a runtime.Manager and an
// HTTP server of its own, serving Handler) and describes them as a
// Deployment; WritesSeen and UnderLoad drive them through HTTP, as
// browsers do, and fail the test unless every count is 0. The stores'
// tests (cachestore, redisstore) share it so that each runs the same
// checks under the same load.
package coherence
