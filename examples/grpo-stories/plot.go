package main

import (
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// palette colours the tasks' lines.
var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}

// writePlot draws the run so far as a PNG of four panels sharing the step
// axis: the training reward and each task's held-out success at the
// checks; the KL to the starting model; each task's share of the prompts
// chosen by the curriculum; the monitor's signals and events
// (monitorPanel).
func (r *run) writePlot(w io.Writer) error {
	rew, kl, shares := plot.New(), plot.New(), plot.New()
	rew.Title.Text = "reward: training (black) and held-out success per task"
	kl.Title.Text = "KL to the starting model (nats/token, k3)"
	shares.Title.Text = "share of prompts per task (curriculum " + r.cfg.Curriculum + ")"
	shares.X.Label.Text = "step"
	train, klLine := make(plotter.XYs, len(r.logs)), make(plotter.XYs, len(r.logs))
	for i, l := range r.logs {
		train[i] = plotter.XY{X: float64(l.Step), Y: l.Reward}
		klLine[i] = plotter.XY{X: float64(l.Step), Y: l.KL}
	}
	if err := addLine(rew, train, color.Black, ""); err != nil {
		return err
	}
	if err := addLine(kl, klLine, color.Black, ""); err != nil {
		return err
	}
	for k, t := range r.tasks {
		var held, share plotter.XYs
		for _, l := range r.logs {
			share = append(share, plotter.XY{X: float64(l.Step), Y: l.Shares[k]})
			if l.HeldOut != nil {
				held = append(held, plotter.XY{X: float64(l.Step), Y: l.HeldOut[k]})
			}
		}
		c := palette[k%len(palette)]
		if err := addLine(rew, held, c, t.Name); err != nil {
			return err
		}
		if err := addLine(shares, share, c, t.Name); err != nil {
			return err
		}
	}
	mon, err := monitorPanel(r.mon.Run())
	if err != nil {
		return err
	}
	return drawPanels(w, [][]*plot.Plot{{rew}, {kl}, {shares}, {mon}})
}

// addLine adds a line of xys in colour c to p, with a legend entry when
// name is set; an empty line is left out.
func addLine(p *plot.Plot, xys plotter.XYs, c color.Color, name string) error {
	if len(xys) == 0 {
		return nil
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	l.Color = c
	p.Add(l)
	if name != "" {
		p.Legend.Add(name, l)
		p.Legend.Top = true
	}
	return nil
}

// drawPanels draws the plots in a column as one 800×900 PNG.
func drawPanels(w io.Writer, plots [][]*plot.Plot) error {
	img := vgimg.New(vg.Points(800), vg.Points(900))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}
