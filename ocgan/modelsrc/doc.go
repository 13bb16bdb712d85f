// Package modelsrc opens trained OCGAN models for scoring and serves them.
//
// A model is named by a path: a checkpoint file (ocgan train, ocgan
// import), a signed bundle file (ocgan bundle build) or an install root
// (ocgan bundle install), whose current version is used. Bundles are
// verified with a public key before anything in them is used, and refused
// when they need a newer runtime. Opener.Open returns a Model: the
// checkpoint's encoder and decoder, the decision threshold and where the
// model came from. NewScorer builds a device scoring program from it.
//
// Source and Served adapt models to package serve: a Source names the
// installed model cheaply (an install root's current bundle id, or a file's
// modification time and size) and loads it as a Served model, a batch-1
// scorer that shares one device queue with every other model of the Source.
// Once the device is lost (a Vulkan device loss or timeout), a Served model
// reports it through Check, and its Score errors wrap serve.ErrUnavailable.
package modelsrc
