/* act.c — elementwise activations. Each backward reads the forward *output*, so a layer
 * keeps one tensor per activation and both functions are safe in place (din == dout,
 * out == in). The loops are branch-free so gcc -O2 vectorizes the ReLU ones. */
#include "gglab/nn.h"

#include <math.h>

void nn_relu_forward(float *out, const float *in, size_t n)
{
	/* out[n], in[n] */
	for (size_t i = 0; i < n; i++)
		out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void nn_relu_backward(float *din, const float *dout, const float *out, size_t n)
{
	/* out > 0 exactly where the input was > 0, so the output is enough. */
	for (size_t i = 0; i < n; i++)
		din[i] = out[i] > 0.0f ? dout[i] : 0.0f;
}

void nn_tanh_forward(float *out, const float *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = tanhf(in[i]);
}

void nn_tanh_backward(float *din, const float *dout, const float *out, size_t n)
{
	/* tanh' = 1 − tanh² */
	for (size_t i = 0; i < n; i++)
		din[i] = dout[i] * (1.0f - out[i] * out[i]);
}
