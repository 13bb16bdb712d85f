package cpu

import "github.com/ocgan-vk/ocgan/kernels"

// Sums and means over axes of a row-major tensor (reduce_ref.go), summed in
// float64 and rounded once to float32.

const opReduce = "reduce"

// reducePlan is a ReduceParams with adjacent axes of the same kind (reduced
// or kept) merged into groups: the input is rows of the last group's length,
// and each group has an output stride (0 for a reduced group).
type reducePlan struct {
	in, out int
	dims    []int  // group sizes
	red     []bool // whether each group is reduced
	ostr    []int  // output stride of each group
}

// planReduce validates p and the lengths of the input (inName, in) and the
// output (outName, out), forward (the output has the reduced shape) or
// backward (the input dy has it), and that they are disjoint.
func planReduce(op string, p kernels.ReduceParams, inName string, in []float32, outName string, out []float32, backward bool) (reducePlan, error) {
	if err := wrapParams(op, p.Validate()); err != nil {
		return reducePlan{}, err
	}
	full, reduced := p.Shape, p.OutputShape()
	inShape, outShape := full, reduced
	inFormula, outFormula := "Shape", "OutputShape()"
	if backward {
		inShape, outShape = reduced, full
		inFormula, outFormula = outFormula, inFormula
	}
	if err := kernels.CheckLen(op, inName, len(in), inFormula, inShape...); err != nil {
		return reducePlan{}, err
	}
	if err := kernels.CheckLen(op, outName, len(out), outFormula, outShape...); err != nil {
		return reducePlan{}, err
	}
	if err := checkDisjoint(op, named{outName, out}, named{inName, in}); err != nil {
		return reducePlan{}, err
	}
	isRed := make([]bool, len(p.Shape))
	for _, a := range p.Axes {
		isRed[a] = true
	}
	var pl reducePlan
	pl.in = 1
	for i, d := range p.Shape {
		pl.in *= d
		if k := len(pl.dims) - 1; k >= 0 && pl.red[k] == isRed[i] {
			pl.dims[k] *= d
			continue
		}
		pl.dims = append(pl.dims, d)
		pl.red = append(pl.red, isRed[i])
	}
	pl.ostr = make([]int, len(pl.dims))
	s := 1
	for k := len(pl.dims) - 1; k >= 0; k-- {
		if !pl.red[k] {
			pl.ostr[k] = s
			s *= pl.dims[k]
		}
	}
	pl.out = s
	return pl, nil
}

// rowLen returns the length of the input rows (the last group).
func (pl reducePlan) rowLen() int { return pl.dims[len(pl.dims)-1] }

// rowOut returns the output index of the first element of row r.
func (pl reducePlan) rowOut(r int) int {
	o := 0
	for k := len(pl.dims) - 2; k >= 0; k-- {
		o += (r % pl.dims[k]) * pl.ostr[k]
		r /= pl.dims[k]
	}
	return o
}

// next advances the output index o of row r to that of row r+1, given the
// row's group coordinates coord (updated).
func (pl reducePlan) next(coord []int, o int) int {
	for k := len(coord) - 1; k >= 0; k-- {
		coord[k]++
		o += pl.ostr[k]
		if coord[k] < pl.dims[k] {
			return o
		}
		o -= pl.ostr[k] * pl.dims[k]
		coord[k] = 0
	}
	return o
}

// coords returns the group coordinates of row r.
func (pl reducePlan) coords(r int) []int {
	c := make([]int, len(pl.dims)-1)
	for k := len(c) - 1; k >= 0; k-- {
		c[k] = r % pl.dims[k]
		r /= pl.dims[k]
	}
	return c
}

// sum64 returns Σ x in float64.
func sum64(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+3 < len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// accumulate adds rows [r0, r1) of x into acc (output-shaped).
func (pl reducePlan) accumulate(x []float32, acc []float64, r0, r1 int) {
	l := pl.rowLen()
	redRow := pl.red[len(pl.dims)-1]
	coord := pl.coords(r0)
	o := pl.rowOut(r0)
	for r := r0; r < r1; r++ {
		row := x[r*l : (r+1)*l]
		if redRow {
			acc[o] += sum64(row)
		} else {
			a := acc[o : o+l]
			for j, v := range row {
				a[j] += float64(v)
			}
		}
		o = pl.next(coord, o)
	}
}

// reduceBlocks is the most partial outputs a reduction whose first group is
// reduced sums separately (and then adds in order).
const reduceBlocks = 16

// reduce sets y to the sums of x divided by div.
func (d *Device) reduce(pl reducePlan, x, y []float32, div float64) {
	if len(pl.dims) == 1 { // every axis reduced
		n := pl.in
		blocks := (n + lossBlock - 1) / lossBlock
		partial := make([]float64, blocks)
		d.parallel(blocks, max(1, grainStream/lossBlock), func(lo, hi int) {
			for b := lo; b < hi; b++ {
				partial[b] = sum64(x[b*lossBlock : min((b+1)*lossBlock, n)])
			}
		})
		t := 0.0
		for _, s := range partial {
			t += s
		}
		y[0] = float32(t / div)
		return
	}
	rows := pl.in / pl.rowLen()
	acc := make([]float64, pl.out)
	if !pl.red[0] {
		// Rows of different first-group coordinates add into disjoint outputs.
		per := rows / pl.dims[0]
		d.parallel(pl.dims[0], max(1, grainStream/(pl.in/pl.dims[0])), func(lo, hi int) {
			pl.accumulate(x, acc, lo*per, hi*per)
		})
	} else {
		blocks := min(rows, reduceBlocks, max(1, pl.in/grainStream))
		parts := make([][]float64, blocks)
		parts[0] = acc
		for b := 1; b < blocks; b++ {
			parts[b] = make([]float64, pl.out)
		}
		d.parallel(blocks, 1, func(lo, hi int) {
			for b := lo; b < hi; b++ {
				pl.accumulate(x, parts[b], rows*b/blocks, rows*(b+1)/blocks)
			}
		})
		for _, part := range parts[1:] {
			for j, v := range part {
				acc[j] += v
			}
		}
	}
	for j, v := range acc {
		y[j] = float32(v / div)
	}
}

// broadcast sets dx[i] = float32(dy[j]/div), j the output index of input
// element i.
func (d *Device) broadcast(pl reducePlan, dy, dx []float32, div float64) {
	if len(pl.dims) == 1 {
		v := float32(float64(dy[0]) / div)
		d.parallel(len(dx), grainStream, func(lo, hi int) {
			out := dx[lo:hi]
			for i := range out {
				out[i] = v
			}
		})
		return
	}
	l := pl.rowLen()
	redRow := pl.red[len(pl.dims)-1]
	d.parallel(pl.in/l, max(1, grainStream/l), func(r0, r1 int) {
		coord := pl.coords(r0)
		o := pl.rowOut(r0)
		for r := r0; r < r1; r++ {
			row := dx[r*l : (r+1)*l]
			if redRow {
				v := float32(float64(dy[o]) / div)
				for j := range row {
					row[j] = v
				}
			} else {
				src := dy[o : o+l]
				for j, v := range src {
					row[j] = float32(float64(v) / div)
				}
			}
			o = pl.next(coord, o)
		}
	})
}

// ReduceSum sets y to the sums of x over p.Axes (kernels.ReduceSum); y has
// p.OutputShape().
func (d *Device) ReduceSum(p kernels.ReduceParams, x, y []float32) error {
	pl, err := planReduce(opReduce+" sum", p, "input", x, "output", y, false)
	if err != nil {
		return err
	}
	d.reduce(pl, x, y, 1)
	return nil
}

// ReduceMean sets y to the means of x over p.Axes (kernels.ReduceMean); y
// has p.OutputShape().
func (d *Device) ReduceMean(p kernels.ReduceParams, x, y []float32) error {
	pl, err := planReduce(opReduce+" mean", p, "input", x, "output", y, false)
	if err != nil {
		return err
	}
	d.reduce(pl, x, y, float64(p.Count()))
	return nil
}

// ReduceSumBackward sets dx (shape p.Shape) to the output gradient dy (shape
// p.OutputShape()) broadcast back (kernels.ReduceSumBackward).
func (d *Device) ReduceSumBackward(p kernels.ReduceParams, dy, dx []float32) error {
	pl, err := planReduce(opReduce+" sum backward", p, "grad output", dy, "grad input", dx, true)
	if err != nil {
		return err
	}
	d.broadcast(pl, dy, dx, 1)
	return nil
}

// ReduceMeanBackward sets dx (shape p.Shape) to dy/p.Count() broadcast back
// (kernels.ReduceMeanBackward).
func (d *Device) ReduceMeanBackward(p kernels.ReduceParams, dy, dx []float32) error {
	pl, err := planReduce(opReduce+" mean backward", p, "grad output", dy, "grad input", dx, true)
	if err != nil {
		return err
	}
	d.broadcast(pl, dy, dx, float64(p.Count()))
	return nil
}
