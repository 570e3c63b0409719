/* act.c — elementwise activations. Each backward reads the forward *output*, so a layer
 * keeps one tensor per activation and both functions are safe in place (din == dout,
 * out == in). The ReLU bodies are selects, not branches: signs are random, so a branch
 * would mispredict half the time, and NN_EACH lets gcc -O2 turn them into vector
 * compare-and-mask. */
#include "gglab/nn.h"

#include <math.h>

void nn_relu_forward(float *out, const float *in, size_t n)
{
	/* out[n], in[n] */
	NN_EACH(i, n, out[i] = in[i] > 0.0f ? in[i] : 0.0f);
}

void nn_relu_backward(float *din, const float *dout, const float *out, size_t n)
{
	/* out > 0 exactly where the input was > 0, so the output is enough. The load of dout
	 * is unconditional so the select can be if-converted. */
	NN_EACH(i, n, float g = dout[i]; din[i] = out[i] > 0.0f ? g : 0.0f);
}

void nn_tanh_forward(float *out, const float *in, size_t n)
{
	/* tanhf is a libm call, so this loop stays scalar. */
	for (size_t i = 0; i < n; i++)
		out[i] = tanhf(in[i]);
}

void nn_tanh_backward(float *din, const float *dout, const float *out, size_t n)
{
	/* tanh' = 1 − tanh² */
	NN_EACH(i, n, din[i] = dout[i] * (1.0f - out[i] * out[i]));
}

void nn_act_forward(nn_act a, float *x, size_t n)
{
	if (a == NN_TANH)
		nn_tanh_forward(x, x, n);
	else
		nn_relu_forward(x, x, n);
}

void nn_act_backward(nn_act a, float *d, const float *out, size_t n)
{
	if (a == NN_TANH)
		nn_tanh_backward(d, d, out, n);
	else
		nn_relu_backward(d, d, out, n);
}
