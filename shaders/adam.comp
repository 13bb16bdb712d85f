#version 450
// adam: one Adam step in place (AdamUpdate in kernels/adam_ref.go), for i < n:
//   m' = beta1 m + (1 - beta1) g,  v' = beta2 v + (1 - beta2) g^2
//   p' = p - lr (m' / bc1) / (sqrt(v' / bc2) + eps)
// The step's scalars are read when the kernel runs, from the step-parameter buffer:
// six float32 words at step[word ..]: lr, beta1, beta2, eps, bc1, bc2 (AdamStep field
// order), so a recorded dispatch replays with the next step's values written by the host.
// Push constants: n, word. Specialization: constant 0 = workgroup size.
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
    uint n;
    uint word;
} p;

layout(std430, set = 0, binding = 0) readonly buffer Step { float step[]; };
layout(std430, set = 0, binding = 1) buffer P { float param[]; };
layout(std430, set = 0, binding = 2) buffer M { float m1[]; };
layout(std430, set = 0, binding = 3) buffer V { float m2[]; };
layout(std430, set = 0, binding = 4) readonly buffer G { float grad[]; };

void main() {
    float lr = step[p.word];
    float beta1 = step[p.word + 1u];
    float beta2 = step[p.word + 2u];
    float eps = step[p.word + 3u];
    float bc1 = step[p.word + 4u];
    float bc2 = step[p.word + 5u];
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        float g = grad[i];
        float m = beta1 * m1[i] + (1.0 - beta1) * g;
        float v = beta2 * m2[i] + (1.0 - beta2) * (g * g);
        param[i] -= lr * (m / bc1) / (sqrt(v / bc2) + eps);
        m1[i] = m;
        m2[i] = v;
    }
}
