"""ChatML rendering shared by training, evaluation and the tokenizer_config template.

The exact strings here must equal what tokenizer_config.json's chat_template
renders (checked by check_tokenizer.ts), so the served model sees at inference
exactly the prompt layout it was trained on.
"""

IM_START, IM_END, THINK_OPEN, THINK_CLOSE, EOT = "<|im_start|>", "<|im_end|>", "<think>", "</think>", "<|endoftext|>"
SPECIAL_TOKENS = [EOT, IM_START, IM_END, THINK_OPEN, THINK_CLOSE]

# Jinja template for tokenizer_config.json (same layout as Qwen2's ChatML without a default system prompt).
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

SYSTEM_PROMPTS = [
    "You are a helpful assistant.",
    "You are a careful math tutor. Think step by step.",
    "Solve the problem.",
]


def render_messages(messages, add_generation_prompt=False):
    out = "".join(f"{IM_START}{m['role']}\n{m['content']}{IM_END}\n" for m in messages)
    if add_generation_prompt:
        out += f"{IM_START}assistant\n"
    return out


def assistant_reply(problem):
    """The target completion: <think> reasoning, then the final answer line, then <|im_end|>."""
    lines = "\n".join(problem.reasoning_lines())
    return f"{THINK_OPEN}\n{lines}\n{THINK_CLOSE}\nThe answer is {problem.answer}."


def prompt_messages(problem, system=None):
    msgs = [{"role": "system", "content": system}] if system else []
    return msgs + [{"role": "user", "content": problem.question}]


def training_text(problem, system=None):
    """(prompt, completion) strings; completion ends with <|im_end|>\\n as the template renders it."""
    prompt = render_messages(prompt_messages(problem, system), add_generation_prompt=True)
    completion = assistant_reply(problem) + IM_END + "\n"
    return prompt, completion
