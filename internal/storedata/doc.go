// Package storedata holds the rules every session store applies alike to
// the data of a runtime.Change: which values it keeps (compacted JSON that
// runtime.CheckStorable accepts), which Expect values are acceptable, and
// when an Expect holds on stored data. memstore, filestore, redisstore and
// pgstore share them so that no store keeps or compares data otherwise
// than another.
package storedata
