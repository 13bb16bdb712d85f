// Package train implements OCGAN's training algorithm (Algorithm 1 of Perera
// et al., CVPR 2019) and its novelty scoring on runtime/program.
//
// Every iteration runs, in order, one recorded device program per phase, all
// compiled on one shared program.DeviceParams so each phase sees the others'
// updates without copies:
//
//  1. classifier update (C trained; En, De run in Train mode without
//     gradients): BCE(C(De(u)), 0) + BCE(C(De(En(x+n))), 1), u ~ U(−1,1)^L;
//     the program also returns En(x+n) and De(u) for step 2;
//  2. discriminator update (Dl, Dv trained): BCE(Dl(En(x+n)), 0) +
//     BCE(Dl(u), 1) + BCE(Dv(De(u)), 0) + BCE(Dv(x), 1), on the values of
//     step 1 fed back as inputs (as the PyTorch peer reuses them);
//  3. informative-negative mining (every network fixed, see mining.go);
//  4. generator update (En, De trained; Dl, Dv, C fixed):
//     λ·MSE(De(En(x+n)), x) + BCE(Dv(De(u*)), 1) + w·BCE(Dl(En(x+n)), 1),
//     u* the mined latents, w the latent adversarial weight (1, the
//     paper's form; the authors' code has w 10 and λ 5).
//
// The input noise n ~ N(0, σ²) and the latents u are drawn on the host from
// the Philox streams of kernels.FillNormal / kernels.FillUniform with the
// configured seed, so the same seed gives bit-identical losses on one device.
// Frozen networks run in Train mode (batch statistics, dropout) as in the
// peer, so their batch-norm running statistics follow the batches they see;
// their trainable parameters are never written. Mining also leaves the
// running statistics alone (its graphs use batch-norm momentum 0).
//
// After every epoch the validation MSE (Eval mode, noisy input with noise
// drawn once, clean target) is computed on the held-out in-class images and the
// parameters of the best epoch (lowest validation MSE, among the epochs after
// the first Config.SelectFrom share when that is set) are kept on the host;
// Run restores them at the end. Test data are never used for selection. The novelty score of an image
// is the per-image MSE of De(En(x)) on the clean input in Eval mode.
//
// Training can be resumed at the end of any epoch: Trainer.State returns the
// values, the Adam state, the iteration and RNG counters and Run's
// bookkeeping (history, best epoch and its values, elapsed time), RunWith
// hands it to a hook after every epoch, and Restore on a fresh trainer of
// the same configuration followed by Run continues the run with the losses
// and parameters an uninterrupted run would have, bit for bit.
//
// Nothing here is safe for concurrent use.
package train
