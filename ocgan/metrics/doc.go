// Package metrics computes the evaluation numbers of OCGAN novelty
// detection: the area under the ROC curve (AUC), the ROC curve itself,
// confusion counts with precision, recall and F1 at a threshold, threshold
// calibration (a quantile of in-class validation scores, or the F1-optimal
// threshold), and mean ± sample standard deviation over seeds.
//
// Conventions used throughout:
//
//   - Novel (out-of-class) samples are the positive class; in-class samples
//     are negative. This matches sklearn.metrics.roc_auc_score(y_novel, score)
//     in the PyTorch peer (peers/torch_ocgan/ocgan.py, auc_novel).
//   - A higher score means more novel (e.g. the per-image reconstruction MSE).
//   - At a threshold t a sample is predicted novel when score >= t (note the
//     >=: a score equal to the threshold is predicted novel).
//   - Scores must not be NaN; ±Inf scores are ordered as usual.
//
// The package uses only the standard library and holds no mutable global
// state; every function is safe for concurrent use.
package metrics
