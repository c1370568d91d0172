// A plain greedy decoding loop over llama.cpp's C API, linked against the libllama that
// node-llama-cpp ships prebuilt: the benchmark's "llama.cpp at its best" row, so the
// binding's own overhead shows and does not set the bar. Compiled on demand by
// bench/llama-cpp.ts (gcc, headers from the llama.cpp source bundle in the package).
//
// usage: greedy MODEL.gguf BACKENDS_DIR MAX_SEQUENCES CTX_PER_SEQUENCE
// then one command per stdin line, one JSON line back per command:
//   run THREADS TOKENS IDS [IDS ...]   (IDS: comma-separated prompt token ids, one per sequence)
// Every prompt goes into one llama_decode batch (logits at each prompt's last position);
// then each step decodes one token per sequence in one batch, argmax over the logits, eos
// ignored, exactly TOKENS tokens. Reply: {"seqs":[{"first":MS,"last":MS,"ids":[...]}]}
// with times in ms since the command started.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml-backend.h"
#include "llama.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void quiet_log(enum ggml_log_level level, const char * text, void * user) {
    (void) user;
    if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static int argmax(const float * logits, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (logits[i] > logits[best]) best = i;
    return best;
}

#define MAX_SEQ 64
#define MAX_LINE (1 << 20)

int main(int argc, char ** argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s MODEL.gguf BACKENDS_DIR MAX_SEQUENCES CTX_PER_SEQUENCE\n", argv[0]);
        return 2;
    }
    const int max_seq = atoi(argv[3]);
    const int ctx_per_seq = atoi(argv[4]);
    if (max_seq < 1 || max_seq > MAX_SEQ || ctx_per_seq < 8) {
        fprintf(stderr, "bad MAX_SEQUENCES or CTX_PER_SEQUENCE\n");
        return 2;
    }
    llama_log_set(quiet_log, NULL);
    ggml_backend_load_all_from_path(argv[2]);
    llama_backend_init();

    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    struct llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) {
        fprintf(stderr, "cannot load %s\n", argv[1]);
        return 1;
    }
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t) (max_seq * ctx_per_seq);
    cp.n_batch = cp.n_ctx;
    cp.n_ubatch = cp.n_ctx;
    cp.n_seq_max = (uint32_t) max_seq;
    cp.no_perf = true;
    struct llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) {
        fprintf(stderr, "cannot create a context\n");
        return 1;
    }
    struct llama_batch batch = llama_batch_init(max_seq * ctx_per_seq, 0, 1);
    printf("{\"ready\":true,\"vocab\":%d}\n", n_vocab);
    fflush(stdout);

    static char line[MAX_LINE];
    static int prompts[MAX_SEQ][4096];
    static int prompt_len[MAX_SEQ];
    static int out_ids[MAX_SEQ][4096];
    static int logit_row[MAX_SEQ];
    static double first_ms[MAX_SEQ], last_ms[MAX_SEQ];
    while (fgets(line, sizeof line, stdin)) {
        int threads = 0, tokens = 0, n_seq = 0;
        char * save = NULL;
        char * tok = strtok_r(line, " \n", &save);
        if (!tok || strcmp(tok, "run") != 0) {
            printf("{\"error\":\"unknown command\"}\n");
            fflush(stdout);
            continue;
        }
        threads = atoi(strtok_r(NULL, " \n", &save));
        tokens = atoi(strtok_r(NULL, " \n", &save));
        while ((tok = strtok_r(NULL, " \n", &save)) && n_seq < max_seq) {
            prompt_len[n_seq] = 0;
            char * s2 = NULL;
            for (char * id = strtok_r(tok, ",", &s2); id && prompt_len[n_seq] < 4096; id = strtok_r(NULL, ",", &s2))
                prompts[n_seq][prompt_len[n_seq]++] = atoi(id);
            n_seq++;
        }
        int bad = threads < 1 || tokens < 1 || tokens > 4096 || n_seq < 1;
        for (int s = 0; s < n_seq; s++) bad |= prompt_len[s] + tokens > ctx_per_seq;
        if (bad) {
            printf("{\"error\":\"bad run: threads, tokens or sequence lengths out of range\"}\n");
            fflush(stdout);
            continue;
        }
        llama_set_n_threads(ctx, threads, threads);
        llama_memory_clear(llama_get_memory(ctx), true);

        const double t0 = now_ms();
        batch.n_tokens = 0;
        for (int s = 0; s < n_seq; s++)
            for (int i = 0; i < prompt_len[s]; i++) {
                const int k = batch.n_tokens++;
                batch.token[k] = prompts[s][i];
                batch.pos[k] = i;
                batch.n_seq_id[k] = 1;
                batch.seq_id[k][0] = s;
                batch.logits[k] = i == prompt_len[s] - 1;
                if (batch.logits[k]) logit_row[s] = k;
            }
        int failed = 0;
        for (int step = 0; step < tokens && !failed; step++) {
            if (llama_decode(ctx, batch) != 0) {
                failed = 1;
                break;
            }
            const double t = now_ms() - t0;
            for (int s = 0; s < n_seq; s++) {
                out_ids[s][step] = argmax(llama_get_logits_ith(ctx, logit_row[s]), n_vocab);
                if (step == 0) first_ms[s] = t;
                last_ms[s] = t;
            }
            if (step == tokens - 1) break;
            batch.n_tokens = n_seq;
            for (int s = 0; s < n_seq; s++) {
                batch.token[s] = out_ids[s][step];
                batch.pos[s] = prompt_len[s] + step;
                batch.n_seq_id[s] = 1;
                batch.seq_id[s][0] = s;
                batch.logits[s] = 1;
                logit_row[s] = s;
            }
        }
        if (failed) {
            printf("{\"error\":\"llama_decode failed\"}\n");
            fflush(stdout);
            continue;
        }
        printf("{\"seqs\":[");
        for (int s = 0; s < n_seq; s++) {
            printf("%s{\"first\":%.4f,\"last\":%.4f,\"ids\":[", s ? "," : "", first_ms[s], last_ms[s]);
            for (int i = 0; i < tokens; i++) printf("%s%d", i ? "," : "", out_ids[s][i]);
            printf("]}");
        }
        printf("]}\n");
        fflush(stdout);
    }
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
