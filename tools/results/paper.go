package main

// The experiments of RESULTS.md and the paper's published AUCs beside which
// they are shown: Perera, Nallapati and Xiang, "OCGAN: One-class Novelty
// Detection Using GANs with Constrained Latent Representations", CVPR 2019.

// published is one configuration's AUC in one of the paper's tables.
type published struct {
	// table names the table and its row or column in the paper.
	table string
	// perClass are the per-class AUCs by class label; nil where the paper
	// gives only the mean.
	perClass []float64
	// mean is the mean over classes as the paper prints it, with
	// meanDigits decimals (the per-class values have 3).
	mean       float64
	meanDigits int
}

// column is one training mode of an experiment and its published values.
type column struct {
	mode  string // as ocgan eval --mode spells it
	label string
	paper published
}

// experiment is one table of RESULTS.md: the runs of every class of a
// dataset under a protocol, one column per training mode.
type experiment struct {
	// id names the table: its block in RESULTS.md and its
	// tools/paper-tables.sh --table.
	id       string
	title    string
	dataset  string // as ocgan eval --dataset spells it
	protocol int
	// classes are the class names by label.
	classes []string
	columns []column
}

var (
	digits        = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	fashionLabels = []string{"0 T-shirt/top", "1 Trouser", "2 Pullover", "3 Dress", "4 Coat", "5 Sandal", "6 Shirt",
		"7 Sneaker", "8 Bag", "9 Ankle boot"}
)

// experiments are the tables of RESULTS.md, in its order.
var experiments = []experiment{
	{
		id: "mnist-p2-full", title: "MNIST, protocol 2, OCGAN", dataset: "mnist", protocol: 2, classes: digits,
		columns: []column{{mode: "full", label: "OCGAN", paper: published{
			table:    "Table 2, OCGAN row",
			perClass: []float64{0.998, 0.999, 0.942, 0.963, 0.975, 0.980, 0.991, 0.981, 0.939, 0.981},
			mean:     0.9750, meanDigits: 4,
		}}},
	},
	{
		id: "fmnist-p1-full", title: "Fashion-MNIST, protocol 1, OCGAN", dataset: "fmnist", protocol: 1, classes: fashionLabels,
		columns: []column{{mode: "full", label: "OCGAN", paper: published{
			table: "Table 1, OCGAN row, fMNIST column (the paper gives the mean only)",
			mean:  0.924, meanDigits: 3,
		}}},
	},
	{
		id: "mnist-p2-ablation", title: "MNIST, protocol 2, ablation", dataset: "mnist", protocol: 2, classes: digits,
		columns: []column{
			{mode: "ae", label: "AE", paper: published{table: "Table 4, \"Without any Discriminators\"", mean: 0.957, meanDigits: 3}},
			{mode: "ae+dl", label: "AE + Dl", paper: published{table: "Table 4, \"With latent Discriminator\"", mean: 0.959, meanDigits: 3}},
			{mode: "ae+dl+dv", label: "AE + Dl + Dv", paper: published{table: "Table 4, \"With two Discriminators\"", mean: 0.971, meanDigits: 3}},
			{mode: "full", label: "OCGAN", paper: published{table: "Table 4, \"Two Discriminators + Classifier\"", mean: 0.975, meanDigits: 3}},
		},
	},
}
